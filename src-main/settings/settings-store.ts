import { copyFileSync, existsSync, readFileSync, renameSync } from 'node:fs';
import { z } from 'zod';
import { Settings, defaultSettings, type Settings as SettingsValue } from '../contract/settings';
import { writeFileAtomic } from './atomic';

export class SettingsError extends Error {
  constructor(
    message: string,
    readonly issues: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
  }
}

/** Older files are brought up to the current version, one step at a time. */
const migrations: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {
  // v0 (no version field, early builds kept URLs at the top level) → v1.
  0: (old) => {
    const { rpaLogsUrl, keywordHubUrl, evolutionUrl, dashboardUrl, ...rest } = old;
    const upstreams = (rest.upstreams ?? {}) as Record<string, Record<string, unknown>>;
    const put = (key: string, url: unknown) => {
      if (typeof url === 'string') upstreams[key] = { ...upstreams[key], url };
    };
    put('rpaLogs', rpaLogsUrl);
    put('keywordHub', keywordHubUrl);
    put('evolution', evolutionUrl);
    put('dashboard', dashboardUrl);
    return { ...rest, upstreams, version: 1 };
  },
};

export function migrateSettings(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  let value = raw as Record<string, unknown>;
  let version = typeof value.version === 'number' ? value.version : 0;
  while (migrations[version]) {
    value = migrations[version]!(value);
    version = typeof value.version === 'number' ? value.version : version + 1;
  }
  return value;
}

/** Parse and validate a settings object; the message names the first bad field. */
export function parseSettings(raw: unknown, source: string): SettingsValue {
  const result = Settings.safeParse(migrateSettings(raw));
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: issue.path.join('.') || '(root)', message: issue.message }));
  const first = issues[0]!;
  throw new SettingsError(`${source}: ${first.path}: ${first.message}`, issues);
}

/**
 * Settings on disk: validated on every load and save, written atomically, with the last good
 * copy kept as `.bak`. A corrupted file is moved aside, the last good state is used and a
 * warning says so — the console never refuses to start over its own settings file.
 */
export class SettingsStore {
  private value: SettingsValue;
  private readonly listeners = new Set<(next: SettingsValue, previous: SettingsValue) => void>();
  readonly warnings: string[] = [];

  constructor(
    private readonly file: string | null,
    initial?: SettingsValue,
  ) {
    this.value = initial ?? this.load();
  }

  get(): SettingsValue {
    return this.value;
  }

  /** Validate and persist; listeners apply the change without a restart. */
  update(raw: unknown): SettingsValue {
    const next = parseSettings(raw, 'settings');
    const previous = this.value;
    this.value = next;
    this.persist();
    for (const listener of this.listeners) listener(next, previous);
    return next;
  }

  /** Change one part by a function (for modules that own a section). */
  patch(change: (current: SettingsValue) => SettingsValue): SettingsValue {
    return this.update(change(structuredClone(this.value)));
  }

  onChange(listener: (next: SettingsValue, previous: SettingsValue) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private load(): SettingsValue {
    if (!this.file || !existsSync(this.file)) return defaultSettings();
    try {
      return parseSettings(JSON.parse(readFileSync(this.file, 'utf8')), this.file);
    } catch (error) {
      const aside = `${this.file}.corrupt-${Date.now()}`;
      renameSync(this.file, aside);
      const backup = `${this.file}.bak`;
      let recovered = defaultSettings();
      let from = 'defaults';
      if (existsSync(backup)) {
        try {
          recovered = parseSettings(JSON.parse(readFileSync(backup, 'utf8')), backup);
          from = 'the last good copy';
        } catch {
          /* the backup is bad too: defaults */
        }
      }
      const reason = error instanceof Error ? error.message : String(error);
      this.warnings.push(`Settings file was unreadable (${reason}); it was kept as ${aside} and ${from} is in use.`);
      writeFileAtomic(this.file, JSON.stringify(recovered, null, 2));
      return recovered;
    }
  }

  private persist(): void {
    if (!this.file) return;
    if (existsSync(this.file)) copyFileSync(this.file, `${this.file}.bak`);
    writeFileAtomic(this.file, JSON.stringify(this.value, null, 2));
  }
}

/** `--config FILE`: the settings shape plus inline `secrets` for automation. */
export const ConfigFile = z.looseObject({ secrets: z.record(z.string(), z.string()).optional() });

export function readConfigFile(path: string): { settings: SettingsValue; secrets: Record<string, string> } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SettingsError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const outer = ConfigFile.safeParse(raw);
  if (!outer.success) throw new SettingsError(`${path}: ${outer.error.issues[0]?.path.join('.') || '(root)'}: ${outer.error.issues[0]?.message}`);
  const { secrets = {}, ...settings } = outer.data;
  return { settings: parseSettings(settings, path), secrets };
}

