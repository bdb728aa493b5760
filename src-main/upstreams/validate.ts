import type { z } from 'zod';
import { checkJsonText, checkJsonValue, describeJsonBreach, JSON_LIMITS, type JsonLimitBreach, type JsonLimits } from '../core/json-limits';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Upstream messages pass the upstream profile of `core/json-limits.ts` (decision 18) before
 * they go anywhere; past it, a message is counted as invalid instead of parsed.
 */
export const UPSTREAM_LIMITS: Readonly<JsonLimits> = JSON_LIMITS.upstream;

export type UpstreamLimits = Partial<JsonLimits>;

const worded = (breach: JsonLimitBreach | null): string | null => (breach ? describeJsonBreach(breach) : null);

/** Why JSON `text` is beyond the limits, in words, or null (the hot path: see `checkJsonText`). */
export const jsonTextProblem = (text: string, limits: UpstreamLimits = UPSTREAM_LIMITS): string | null => worded(checkJsonText(text, limits));

/** The same for a value decoded by someone else (socket.io decodes its packets itself). */
export const jsonValueProblem = (value: unknown, limits: UpstreamLimits = UPSTREAM_LIMITS): string | null => worded(checkJsonValue(value, limits));

/** JSON.parse behind the limits: a refusal or a syntax error becomes a message, never a throw. */
export function parseJson(text: string, limits: UpstreamLimits = UPSTREAM_LIMITS): Parsed<unknown> {
  const problem = jsonTextProblem(text, limits);
  if (problem) return { ok: false, message: `${problem}: ${preview(text, 80)}` };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, message: `not JSON: ${preview(text)}` };
  }
}

/**
 * Parse an upstream's JSON text against its schema; failures become a readable message.
 * `accepts`, for high-rate streams, is a plain check equivalent to the schema for the common
 * shape: what it accepts is returned as parsed (zod would copy it field by field), anything
 * else still goes through the schema, which stays the authority and words the error.
 */
export function parseUpstream<S extends z.ZodType>(schema: S, text: string, accepts?: (raw: unknown) => raw is z.output<S>, limits?: UpstreamLimits): Parsed<z.output<S>> {
  const json = parseJson(text, limits);
  if (!json.ok) return json;
  if (accepts?.(json.value)) return { ok: true, value: json.value };
  return checkUpstream(schema, json.value);
}

export function checkUpstream<S extends z.ZodType>(schema: S, raw: unknown): Parsed<z.output<S>> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, message: `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'} in ${preview(safeStringify(raw))}` };
}

/** JSON.stringify for messages and previews: a value it cannot write (cycle, depth) is named, not thrown. */
export function safeStringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return '[value not representable as JSON]';
  }
}

export const preview = (text: string | undefined, max = 120): string =>
  text === undefined ? 'undefined' : text.length > max ? `${text.slice(0, max)}…` : text;
