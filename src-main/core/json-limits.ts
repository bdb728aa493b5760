/**
 * Limits checked on raw JSON text before `JSON.parse`, so a hostile frame is refused without
 * building it and without recursion (a 20,000-deep array would overflow any recursive walk
 * later: zod, structured clone, the journal). One linear pass, no allocation per token.
 */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Longest string (key or value), counted in UTF-16 units of the raw text, escapes included. */
  maxString: number;
}

export type JsonLimitBreach = { code: 'too-deep' | 'string-too-long' | 'too-large'; limit: number };

export function checkJsonText(text: string, limits: JsonLimits): JsonLimitBreach | null {
  let depth = 0;
  let inString = false;
  let stringStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      if (i - stringStart > limits.maxString) return { code: 'string-too-long', limit: limits.maxString };
      continue;
    }
    if (c === 0x22) {
      inString = true;
      stringStart = i + 1;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limits.maxDepth) return { code: 'too-deep', limit: limits.maxDepth };
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  if (inString && text.length - stringStart > limits.maxString) return { code: 'string-too-long', limit: limits.maxString };
  return null;
}

/** Values walked at most in `checkJsonValue` (about what a 1 MiB frame can hold). */
const maxValues = 500_000;

/**
 * The same limits on a value that is already an object (Electron IPC hands main a cloned
 * value, not text). Iterative, stops at the first breach; cycles cannot occur in cloned data
 * but are cut by the depth limit anyway.
 */
export function checkJsonValue(value: unknown, limits: JsonLimits): JsonLimitBreach | null {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let visited = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (++visited > maxValues) return { code: 'too-large', limit: maxValues };
    if (typeof v === 'string') {
      if (v.length > limits.maxString) return { code: 'string-too-long', limit: limits.maxString };
    } else if (v !== null && typeof v === 'object') {
      if (depth + 1 > limits.maxDepth) return { code: 'too-deep', limit: limits.maxDepth };
      for (const [k, child] of Object.entries(v)) {
        if (k.length > limits.maxString) return { code: 'string-too-long', limit: limits.maxString };
        stack.push([child, depth + 1]);
      }
    }
  }
  return null;
}

/** What the bridge accepts from a client, in both hosts (docs/bridge.md). */
export const bridgeJsonLimits: JsonLimits = { maxDepth: 64, maxString: 512 * 1024 };
