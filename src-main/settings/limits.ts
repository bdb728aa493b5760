/**
 * Size limits for settings-shaped JSON (the settings file, `--config`, `settings.update`,
 * imports). Checked BEFORE the value is validated or kept: a value nested thousands of levels
 * deep passes `z.unknown()` (the `extra` sections) but makes `JSON.stringify` and
 * `structuredClone` throw later, wherever the settings are next sent or saved.
 */
export const settingsLimits = {
  /** Real settings are ~6 levels deep; `extra` sections of other areas get plenty of room. */
  maxDepth: 32,
  maxStringLength: 100_000,
  /** Objects, arrays and scalars in all. */
  maxNodes: 100_000,
  /** Rough serialized size (strings and keys counted by length). */
  maxBytes: 2 * 1024 * 1024,
} as const;

export interface LimitProblem {
  path: string;
  message: string;
}

/** First limit `value` breaks, or null. Iterative (an explicit stack), so it cannot overflow itself. */
export function jsonLimitProblem(value: unknown, limits: typeof settingsLimits = settingsLimits): LimitProblem | null {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: '' }];
  let nodes = 0;
  let bytes = 0;
  const at = (path: string) => path || '(root)';
  while (stack.length > 0) {
    const item = stack.pop()!;
    nodes += 1;
    if (nodes > limits.maxNodes) return { path: '(root)', message: `too many values (more than ${limits.maxNodes})` };
    const v = item.value;
    if (typeof v === 'string') {
      if (v.length > limits.maxStringLength) return { path: at(item.path), message: `text too long (${v.length} characters, at most ${limits.maxStringLength})` };
      bytes += v.length + 2;
    } else if (typeof v === 'object' && v !== null) {
      if (item.depth >= limits.maxDepth) return { path: at(item.path), message: `nested too deeply (more than ${limits.maxDepth} levels)` };
      const entries: Array<[string, unknown]> = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
      bytes += 2;
      for (const [key, child] of entries) {
        if (key.length > limits.maxStringLength) return { path: at(item.path), message: 'key too long' };
        bytes += key.length + 4;
        stack.push({ value: child, depth: item.depth + 1, path: item.path ? `${item.path}.${key}` : key });
      }
    } else bytes += 8;
    if (bytes > limits.maxBytes) return { path: '(root)', message: `too large (more than ${limits.maxBytes} bytes)` };
  }
  return null;
}
