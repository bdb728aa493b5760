import type { z } from 'zod';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Parse an upstream's JSON text against its schema; failures become a readable message.
 * `accepts`, for high-rate streams, is a plain check equivalent to the schema for the common
 * shape: what it accepts is returned as parsed (zod would copy it field by field), anything
 * else still goes through the schema, which stays the authority and words the error.
 */
export function parseUpstream<S extends z.ZodType>(schema: S, text: string, accepts?: (raw: unknown) => raw is z.output<S>): Parsed<z.output<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: `not JSON: ${preview(text)}` };
  }
  if (accepts?.(raw)) return { ok: true, value: raw };
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
