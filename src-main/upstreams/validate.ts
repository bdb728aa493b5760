import type { z } from 'zod';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * What any upstream message may be, checked before the value goes anywhere. Past these, a
 * message is counted as invalid instead of parsed: a value nested 20,000 levels deep parses,
 * then throws a RangeError in whatever walks it next (a save timer's JSON.stringify) and the
 * process exits. The numbers leave room for the seeds' largest shapes (a dashboard
 * `tickets_update` with thousands of tickets, an Evolution message with base64 media).
 */
export interface JsonLimits {
  /** Text length in UTF-16 units (~bytes for ASCII JSON). */
  maxLength: number;
  /** Objects and arrays inside each other. */
  maxDepth: number;
  /** One string as sent (escapes included). */
  maxString: number;
  /** Members of one object. */
  maxKeys: number;
}

export const UPSTREAM_LIMITS: Readonly<JsonLimits> = Object.freeze({ maxLength: 16 * 1024 * 1024, maxDepth: 64, maxString: 4 * 1024 * 1024, maxKeys: 10_000 });

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const OPEN_OBJECT = 123;
const OPEN_ARRAY = 91;
const CLOSE_OBJECT = 125;
const CLOSE_ARRAY = 93;

/** How many times `ch` occurs in `text`, stopping once past `max` (native indexOf, no char loop). */
function countUpTo(text: string, ch: string, max: number): number {
  let n = 0;
  for (let i = text.indexOf(ch); i !== -1 && n <= max; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

/**
 * Why JSON `text` is beyond `limits`, or null when it is within them. A scan of the text, not
 * a parse: JSON.parse stays the judge of syntax (on malformed text this only has to stay
 * bounded). Short texts — a log line — take a fast path: if the whole text holds no more
 * brackets than the depth limit, no more characters than one string or than the keys an
 * object may have, nothing can be over, and only two native indexOf sweeps ran.
 */
export function jsonTextProblem(text: string, limits: Readonly<JsonLimits> = UPSTREAM_LIMITS): string | null {
  const n = text.length;
  if (n > limits.maxLength) return `message too large (${n} characters > ${limits.maxLength})`;
  if (n <= limits.maxString && n <= limits.maxKeys * 4 && countUpTo(text, '{', limits.maxDepth) + countUpTo(text, '[', limits.maxDepth) <= limits.maxDepth) return null;
  // Members per open object, by depth (arrays count nothing); a colon outside strings follows a key.
  const keys = new Int32Array(limits.maxDepth + 2);
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote: one not preceded by an odd run of backslashes.
      let end = text.indexOf('"', i + 1);
      for (;;) {
        if (end === -1) return null; // unterminated: JSON.parse refuses it
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end - i - 1 > limits.maxString) return `string too long (${end - i - 1} characters > ${limits.maxString})`;
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > limits.maxDepth) return `nested deeper than ${limits.maxDepth} levels`;
      keys[depth] = c === OPEN_OBJECT ? 0 : -1;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth > 0) depth--;
    } else if (c === COLON && depth > 0 && keys[depth]! >= 0) {
      if (++keys[depth]! > limits.maxKeys) return `object with more than ${limits.maxKeys} members`;
    }
  }
  return null;
}

/**
 * The same limits on a value decoded by someone else (socket.io decodes its packets itself):
 * iterative, so a hostile depth cannot overflow the stack here either; stops at the first
 * problem. Strings count in characters.
 */
export function jsonValueProblem(value: unknown, limits: Readonly<JsonLimits> = UPSTREAM_LIMITS): string | null {
  if (typeof value !== 'object' || value === null) return typeof value === 'string' && value.length > limits.maxString ? `string too long (${value.length} characters > ${limits.maxString})` : null;
  const stack: Array<{ v: unknown; d: number }> = [{ v: value, d: 1 }];
  let budget = limits.maxLength;
  while (stack.length) {
    const { v, d } = stack.pop()!;
    if (d > limits.maxDepth) return `nested deeper than ${limits.maxDepth} levels`;
    const items: unknown[] = Array.isArray(v) ? v : Object.values(v as object);
    if (!Array.isArray(v) && items.length > limits.maxKeys) return `object with more than ${limits.maxKeys} members`;
    budget -= items.length;
    if (budget < 0) return `message too large (more than ${limits.maxLength} values)`;
    for (const item of items) {
      if (typeof item === 'string') {
        if (item.length > limits.maxString) return `string too long (${item.length} characters > ${limits.maxString})`;
        budget -= item.length;
      } else if (typeof item === 'object' && item !== null) stack.push({ v: item, d: d + 1 });
    }
    if (budget < 0) return `message too large (more than ${limits.maxLength} characters)`;
  }
  return null;
}

/** JSON.parse behind the limits: a refusal or a syntax error becomes a message, never a throw. */
export function parseJson(text: string, limits: Readonly<JsonLimits> = UPSTREAM_LIMITS): Parsed<unknown> {
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
export function parseUpstream<S extends z.ZodType>(schema: S, text: string, accepts?: (raw: unknown) => raw is z.output<S>, limits?: Readonly<JsonLimits>): Parsed<z.output<S>> {
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
