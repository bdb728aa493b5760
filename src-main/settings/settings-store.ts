import { copyFileSync, existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { z } from 'zod';
import { Pin } from '../contract/admin';
import { Settings, defaultSettings, type Settings as SettingsValue } from '../contract/settings';
import { writeFileAtomic } from './atomic';
import { checkJsonValue, JSON_LIMITS, type JsonLimitBreach } from '../core/json-limits';

export class SettingsError extends Error {
  constructor(
    message: string,
    readonly issues: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
  }
}

/** A settings or config file larger than this is not read at all (settings are a few KB). */
const maxFileBytes = 4 * 1024 * 1024;

/** The settings limits broken by `raw` (`core/json-limits.ts`, settings profile), as a field issue; null when within. */
function limitProblem(raw: unknown): { path: string; message: string } | null {
  const breach = checkJsonValue(raw, JSON_LIMITS.settings);
  return breach ? { path: breach.path || '(root)', message: limitText(breach) } : null;
}

function limitText({ code, limit, actual }: JsonLimitBreach): string {
  switch (code) {
    case 'too-deep':
      return `nested too deeply (more than ${limit} levels)`;
    case 'string-too-long':
      return `text too long (${actual} characters, at most ${limit})`;
    case 'too-many-values':
    case 'too-many-members':
      return `too many values (more than ${limit})`;
    case 'too-large':
      return `too large (more than ${limit} bytes)`;
  }
}

function readSmallFile(path: string): string {
  const size = statSync(path).size;
  if (size > maxFileBytes) throw new SettingsError(`${path}: file too large (${size} bytes, at most ${maxFileBytes})`);
  return readFileSync(path, 'utf8');
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

/** Check limits, parse and validate a settings object; the message names the first bad field. */
export function parseSettings(raw: unknown, source: string): SettingsValue {
  // Limits first: zod's `z.unknown()` sections would keep a value nobody can serialize.
  const tooBig = limitProblem(raw);
  if (tooBig) throw new SettingsError(`${source}: ${tooBig.path}: ${tooBig.message}`, [tooBig]);
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

  /**
   * Validate and persist; listeners apply the change without a restart. Nothing is kept unless
   * the value passed every check and was written: a refused update leaves the old settings.
   */
  update(raw: unknown): SettingsValue {
    const next = parseSettings(raw, 'settings');
    this.persist(JSON.stringify(next, null, 2));
    const previous = this.value;
    this.value = next;
    for (const listener of this.listeners) listener(next, previous);
    return next;
  }

  /** Change one part by a function (for modules that own a section). */
  patch(change: (current: SettingsValue) => SettingsValue): SettingsValue {
    return this.update(change(structuredClone(this.value)));
  }

  /** Listeners now (tests: none left after the core stops). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  onChange(listener: (next: SettingsValue, previous: SettingsValue) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private load(): SettingsValue {
    if (!this.file || !existsSync(this.file)) return defaultSettings();
    try {
      return parseSettings(JSON.parse(readSmallFile(this.file)), this.file);
    } catch (error) {
      const aside = `${this.file}.corrupt-${Date.now()}`;
      renameSync(this.file, aside);
      const backup = `${this.file}.bak`;
      let recovered = defaultSettings();
      let from = 'defaults';
      if (existsSync(backup)) {
        try {
          recovered = parseSettings(JSON.parse(readSmallFile(backup)), backup);
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

  private persist(text: string): void {
    if (!this.file) return;
    if (existsSync(this.file)) copyFileSync(this.file, `${this.file}.bak`);
    writeFileAtomic(this.file, text);
  }
}

/**
 * `--config FILE`: the settings shape plus inline `secrets` and the `adminPin` for automation
 * (plain, like the secrets: the file must be protected; only a hash of the PIN is stored).
 */
export const ConfigFile = z.looseObject({ secrets: z.record(z.string(), z.string()).optional(), adminPin: Pin.optional() });

export interface ConfigContent {
  settings: SettingsValue;
  secrets: Record<string, string>;
  adminPin?: string;
}

export function readConfigFile(path: string): ConfigContent {
  let text: string;
  try {
    text = readSmallFile(path);
  } catch (error) {
    if (error instanceof SettingsError) throw error;
    throw new SettingsError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const tooBig = limitProblem(raw);
  if (tooBig) throw new SettingsError(`${path}: ${tooBig.path}: ${tooBig.message}`, [tooBig]);
  const outer = ConfigFile.safeParse(raw);
  if (!outer.success) throw new SettingsError(`${path}: ${outer.error.issues[0]?.path.join('.') || '(root)'}: ${outer.error.issues[0]?.message}`);
  const { secrets = {}, adminPin, ...settings } = outer.data;
  return { settings: parseSettings(settings, path), secrets, ...(adminPin !== undefined ? { adminPin } : {}) };
}

