/**
 * The one place that decides whether JSON is too big to touch, for every ingress: the bridge
 * (web frames as text, Electron IPC as cloned values), upstream messages (text, or values
 * socket.io decoded), settings values and files, inbound webhook bodies. Checked before the
 * JSON goes anywhere: a value nested 20,000 levels deep parses, then throws a RangeError in
 * whatever walks it next (zod, structured clone, a save timer's JSON.stringify) and the process
 * exits. Both checks are iterative and stop at the first breach. Host-free (no Node, no
 * Electron): the contract and renderer never need it, the hosts and connectors do.
 */
export interface JsonLimits {
  /** Text length in UTF-16 units; for a value, its rough serialized size. */
  maxChars: number;
  /** Objects and arrays inside each other. */
  maxDepth: number;
  /** One string or key: as sent in text (escapes included), in characters in a value. */
  maxString: number;
  /** Members of one object (arrays count as size, not members). */
  maxMembers: number;
  /** Values in all, scalars included (value walker only: in text, `maxChars` bounds them). */
  maxValues: number;
}

export type JsonLimitCode = 'too-large' | 'too-deep' | 'string-too-long' | 'too-many-members' | 'too-many-values';

export interface JsonLimitBreach {
  code: JsonLimitCode;
  limit: number;
  /** What was found, where it is known (a string's or text's length). */
  actual?: number;
  /** Value walker only: dotted path of the offending value ('' for the root). */
  path?: string;
}

const MiB = 1024 * 1024;
const unlimited = Number.POSITIVE_INFINITY;

/** Each ingress's limits (docs/security.md). A limit left out of a check's argument is unlimited. */
export const JSON_LIMITS = Object.freeze({
  /** Bridge frames and IPC arguments; a frame's size is the socket's `maxPayload` (1 MiB). */
  bridge: Object.freeze({ maxChars: unlimited, maxDepth: 64, maxString: 512 * 1024, maxMembers: unlimited, maxValues: 500_000 }),
  /** Upstream messages (decision 18): room for a dashboard `tickets_update` with thousands of
   * tickets and an Evolution message with base64 media. */
  upstream: Object.freeze({ maxChars: 16 * MiB, maxDepth: 64, maxString: 4 * MiB, maxMembers: 10_000, maxValues: 16 * MiB }),
  /** Settings values (file, `--config`, `settings.update`, imports): real settings are ~6
   * levels deep, other areas' `extra` sections get plenty of room. */
  settings: Object.freeze({ maxChars: 2 * MiB, maxDepth: 32, maxString: 100_000, maxMembers: unlimited, maxValues: 100_000 }),
  /** Inbound webhook bodies: the receiver caps their size itself (413). */
  inbound: Object.freeze({ maxChars: unlimited, maxDepth: 32, maxString: unlimited, maxMembers: unlimited, maxValues: unlimited }),
} satisfies Record<string, Readonly<JsonLimits>>);

/** How many times `ch` occurs in `text`, stopping once past `max` (native indexOf, no char loop). */
function countUpTo(text: string, ch: string, max: number): number {
  let n = 0;
  for (let i = text.indexOf(ch); i !== -1 && n <= max; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const OPEN_OBJECT = 123;
const OPEN_ARRAY = 91;
const CLOSE_OBJECT = 125;
const CLOSE_ARRAY = 93;

/**
 * Why JSON `text` is beyond `limits`, or null. A scan, not a parse: JSON.parse stays the judge
 * of syntax (on malformed text this only has to stay bounded). Short texts — a log line, on the
 * logs hot path — take a fast path: when the whole text holds no more brackets than the depth
 * limit and no more characters than one string or than an object's members need, nothing can
 * be over, and only two native indexOf sweeps ran.
 */
export function checkJsonText(text: string, limits: Partial<JsonLimits>): JsonLimitBreach | null {
  const maxChars = limits.maxChars ?? unlimited;
  const maxDepth = limits.maxDepth ?? unlimited;
  const maxString = limits.maxString ?? unlimited;
  const maxMembers = limits.maxMembers ?? unlimited;
  const n = text.length;
  if (n > maxChars) return { code: 'too-large', limit: maxChars, actual: n };
  if (n <= maxString && n <= maxMembers * 4 && countUpTo(text, '{', maxDepth) + countUpTo(text, '[', maxDepth) <= maxDepth) return null;
  // Members per open object, by depth (-1 for arrays); a colon outside strings follows a key.
  const members: number[] = [0];
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote: one not preceded by an odd run of backslashes.
      let end = text.indexOf('"', i + 1);
      for (;;) {
        if (end === -1) {
          // Unterminated: JSON.parse refuses it; only its length can still be over.
          return n - i - 1 > maxString ? { code: 'string-too-long', limit: maxString, actual: n - i - 1 } : null;
        }
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end - i - 1 > maxString) return { code: 'string-too-long', limit: maxString, actual: end - i - 1 };
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > maxDepth) return { code: 'too-deep', limit: maxDepth };
      members[depth] = c === OPEN_OBJECT ? 0 : -1;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth > 0) depth--;
    } else if (c === COLON && depth > 0 && members[depth]! >= 0) {
      if (++members[depth]! > maxMembers) return { code: 'too-many-members', limit: maxMembers };
    }
  }
  return null;
}

interface Frame {
  v: object;
  depth: number;
  /** Its key in the parent (an index for arrays: made a string only for a path). */
  key: string | number;
  up: Frame | undefined;
}

/** The dotted path of a frame (and a child key), built only when a breach is reported. */
function pathOf(frame: Frame | undefined, child?: string | number): string {
  const parts = child === undefined ? [] : [child];
  for (let f = frame; f?.up; f = f.up) parts.push(f.key);
  return parts.reverse().join('.');
}

/**
 * The same limits on a value that is already decoded (Electron IPC hands main a cloned value,
 * socket.io decodes its packets, settings arrive parsed). Iterative, so a hostile depth cannot
 * overflow the stack here; cycles are cut by the depth limit. Strings count in characters;
 * the size is a rough serialized size (strings and keys by length, other scalars 8).
 */
export function checkJsonValue(value: unknown, limits: Partial<JsonLimits>): JsonLimitBreach | null {
  const maxChars = limits.maxChars ?? unlimited;
  const maxDepth = limits.maxDepth ?? unlimited;
  const maxString = limits.maxString ?? unlimited;
  const maxMembers = limits.maxMembers ?? unlimited;
  const maxValues = limits.maxValues ?? unlimited;
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'string' && value.length > maxString ? { code: 'string-too-long', limit: maxString, actual: value.length, path: '' } : null;
  }
  const stack: Frame[] = [{ v: value, depth: 1, key: '', up: undefined }];
  let values = 1;
  let chars = 0;
  while (stack.length) {
    const frame = stack.pop()!;
    if (frame.depth > maxDepth) return { code: 'too-deep', limit: maxDepth, path: pathOf(frame) };
    const array = Array.isArray(frame.v) ? (frame.v as unknown[]) : undefined;
    const keys = array ? undefined : Object.keys(frame.v);
    const count = array ? array.length : keys!.length;
    if (keys && count > maxMembers) return { code: 'too-many-members', limit: maxMembers, actual: count, path: pathOf(frame) };
    values += count;
    if (values > maxValues) return { code: 'too-many-values', limit: maxValues };
    chars += 2;
    for (let i = 0; i < count; i++) {
      const key = keys?.[i];
      if (key !== undefined) {
        if (key.length > maxString) return { code: 'string-too-long', limit: maxString, actual: key.length, path: pathOf(frame) };
        chars += key.length + 4;
      }
      const item: unknown = array ? array[i] : (frame.v as Record<string, unknown>)[key!];
      if (typeof item === 'string') {
        if (item.length > maxString) return { code: 'string-too-long', limit: maxString, actual: item.length, path: pathOf(frame, key ?? i) };
        chars += item.length + 2;
      } else if (typeof item === 'object' && item !== null) stack.push({ v: item, depth: frame.depth + 1, key: key ?? i, up: frame });
      else chars += 8;
    }
    if (chars > maxChars) return { code: 'too-large', limit: maxChars };
  }
  return null;
}

/** A breach in words, for status lines and the bridge's `invalid-argument` (upstream and bridge wording). */
export function describeJsonBreach(breach: JsonLimitBreach): string {
  const { limit, actual } = breach;
  switch (breach.code) {
    case 'too-large':
      return actual === undefined ? `message too large (more than ${limit} characters)` : `message too large (${actual} characters > ${limit})`;
    case 'too-deep':
      return `nested deeper than ${limit} levels`;
    case 'string-too-long':
      return `string too long (a string longer than ${limit} characters${actual === undefined ? '' : `: ${actual}`})`;
    case 'too-many-members':
      return `object with more than ${limit} members`;
    case 'too-many-values':
      return `message too large (more than ${limit} values)`;
  }
}
