import type { z } from 'zod';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** Parse an upstream's JSON text against its schema; failures become a readable message. */
export function parseUpstream<S extends z.ZodType>(schema: S, text: string): Parsed<z.output<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: `not JSON: ${preview(text)}` };
  }
  return checkUpstream(schema, raw);
}

export function checkUpstream<S extends z.ZodType>(schema: S, raw: unknown): Parsed<z.output<S>> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, message: `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'} in ${preview(JSON.stringify(raw))}` };
}

export const preview = (text: string | undefined, max = 120): string =>
  text === undefined ? 'undefined' : text.length > max ? `${text.slice(0, max)}…` : text;
