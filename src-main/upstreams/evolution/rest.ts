import { z } from 'zod';
import { parseJson } from '../validate';

/** An HTTP answer other than 2xx from the Evolution REST API. */
export class RestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The part of a `fetchInstances` row the console uses (v2 shape; v1 nests under `instance`). */
const InstanceRow = z.looseObject({
  id: z.string().nullish(),
  name: z.string().min(1).max(200),
  connectionStatus: z.string().nullish(),
  ownerJid: z.string().nullish(),
  profileName: z.string().nullish(),
  number: z.string().nullish(),
  disconnectionReasonCode: z.number().nullish(),
  Websocket: z.looseObject({ enabled: z.boolean(), events: z.array(z.string()).default([]) }).nullish(),
});
const V1Row = z.looseObject({ instance: z.looseObject({ instanceName: z.string().min(1).max(200), instanceId: z.string().nullish(), status: z.string().nullish(), owner: z.string().nullish(), profileName: z.string().nullish() }) });

export interface RestInstance {
  id: string | null;
  name: string;
  connectionStatus: string | null;
  ownerJid: string | null;
  profileName: string | null;
  number: string | null;
  disconnectionReasonCode: number | null;
  websocket: { enabled: boolean; events: string[] } | null | undefined;
}

const WebsocketConfig = z.looseObject({ enabled: z.boolean(), events: z.array(z.string()).default([]) }).nullable();

export interface RestOptions {
  baseUrl: () => string;
  apiKey: () => string | undefined;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * The slice of Evolution API v2's REST surface the console needs, authenticated with the
 * `apikey` header. The key is only ever put in that header; errors never repeat it.
 */
export class EvolutionRest {
  constructor(private readonly options: RestOptions) {}

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown; date: string | null }> {
    const base = this.options.baseUrl().replace(/\/+$/, '');
    if (!base) throw new RestError('Evolution API URL not configured', 0);
    const key = this.options.apiKey();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (key) headers.apikey = key;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const doFetch = this.options.fetch ?? fetch;
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) });
    } catch (error) {
      const e = error as { message?: string; cause?: { code?: string } };
      throw new RestError(`network error: ${e.cause?.code ?? e.message ?? String(error)}`, 0);
    }
    const text = await res.text().catch(() => '');
    const parsed = text ? parseJson(text) : { ok: true as const, value: null };
    const json: unknown = parsed.ok ? parsed.value : text.slice(0, 200);
    if (!res.ok) throw new RestError(`HTTP ${res.status}${messageOf(json) ? `: ${messageOf(json)}` : ''}`, res.status);
    return { status: res.status, json, date: res.headers.get('date') };
  }

  async welcome(): Promise<{ status: number; version: string | null }> {
    const r = await this.request('GET', '/');
    const version = (r.json as { version?: unknown } | null)?.version;
    return { status: r.status, version: typeof version === 'string' ? version : null };
  }

  /** `GET /instance/fetchInstances`: 401 means the key is wrong (the socket never says why). */
  async fetchInstances(): Promise<{ instances: RestInstance[]; invalid: number }> {
    const r = await this.request('GET', '/instance/fetchInstances');
    if (!Array.isArray(r.json)) throw new RestError('fetchInstances did not return a list', r.status);
    const instances: RestInstance[] = [];
    let invalid = 0;
    for (const row of r.json) {
      const v2 = InstanceRow.safeParse(row);
      if (v2.success) {
        const w = v2.data.Websocket;
        instances.push({
          id: v2.data.id ?? null,
          name: v2.data.name,
          connectionStatus: v2.data.connectionStatus ?? null,
          ownerJid: v2.data.ownerJid ?? null,
          profileName: v2.data.profileName ?? null,
          number: v2.data.number ?? null,
          disconnectionReasonCode: v2.data.disconnectionReasonCode ?? null,
          websocket: w === undefined ? undefined : w === null ? null : { enabled: w.enabled, events: w.events },
        });
        continue;
      }
      const v1 = V1Row.safeParse(row);
      if (v1.success) {
        const i = v1.data.instance;
        instances.push({ id: i.instanceId ?? null, name: i.instanceName, connectionStatus: i.status ?? null, ownerJid: i.owner ?? null, profileName: i.profileName ?? null, number: null, disconnectionReasonCode: null, websocket: undefined });
      } else invalid++;
    }
    return { instances, invalid };
  }

  async connectionState(instance: string): Promise<string | null> {
    const r = await this.request('GET', `/instance/connectionState/${encodeURIComponent(instance)}`);
    const state = (r.json as { instance?: { state?: unknown } } | null)?.instance?.state;
    return typeof state === 'string' ? state : null;
  }

  /** `GET /websocket/find/{instance}`: `null` (200) when never configured. */
  async websocketFind(instance: string): Promise<{ enabled: boolean; events: string[] } | null> {
    const r = await this.request('GET', `/websocket/find/${encodeURIComponent(instance)}`);
    const parsed = WebsocketConfig.safeParse(r.json);
    if (!parsed.success) throw new RestError('websocket/find returned an unexpected shape', r.status);
    return parsed.data ? { enabled: parsed.data.enabled, events: parsed.data.events } : null;
  }

  /** `POST /websocket/set/{instance}` with every event (an empty list means all, as upstream). */
  async websocketEnable(instance: string, events: string[] = []): Promise<{ enabled: boolean; events: string[] }> {
    const r = await this.request('POST', `/websocket/set/${encodeURIComponent(instance)}`, { websocket: { enabled: true, events } });
    const parsed = WebsocketConfig.safeParse(r.json);
    if (!parsed.success || !parsed.data) throw new RestError('websocket/set returned an unexpected shape', r.status);
    return { enabled: parsed.data.enabled, events: parsed.data.events };
  }
}

function messageOf(json: unknown): string {
  const m = (json as { response?: { message?: unknown } } | null)?.response?.message;
  if (typeof m === 'string') return m.slice(0, 200);
  if (Array.isArray(m)) return m.map(String).join('; ').slice(0, 200);
  return '';
}
