import type { TestResult } from '../../contract';
import type { CoreContext } from '../../core/context';
import { PROXY_PREFIX, TOKEN, trimSlash } from './endpoints';

/** The connection test, answered in seed 000's `teste-conexao` shape for both forms. */
export async function testConnection(ctx: CoreContext, fetchImpl?: typeof fetch): Promise<TestResult> {
  const s = ctx.effective().upstreams.rpaLogs;
  const base = trimSlash(s.url);
  if (!base) return { success: false, message: 'logs API URL not configured', status_code: 0, token_status: 'n/a', text: [{ key: 'noUrl', params: {} }] };
  const doFetch = fetchImpl ?? fetch;
  try {
    if (s.mode === 'proxy') {
      const res = await doFetch(`${base}${PROXY_PREFIX}/teste-conexao`, { signal: AbortSignal.timeout(10_000) });
      const body = (await res.json().catch(() => null)) as Partial<TestResult> | null;
      return {
        success: res.ok && body?.success !== false,
        message: typeof body?.message === 'string' ? body.message : `HTTP ${res.status}`,
        status_code: typeof body?.status_code === 'number' ? body.status_code : res.status,
        token_status: typeof body?.token_status === 'string' ? body.token_status : 'n/a',
      };
    }
    const token = ctx.secrets.get(TOKEN);
    if (!token) return { success: false, message: 'global JWT not configured', status_code: 401, token_status: 'missing', text: [{ key: 'noToken', params: {} }], tokenText: { key: 'tokenMissing', params: {} } };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 10_000);
    try {
      const res = await doFetch(`${base}/events/logs`, { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' }, signal: controller.signal });
      const ok = res.status === 200 && /text\/event-stream/i.test(res.headers.get('content-type') ?? '');
      const refused = res.status === 401 || res.status === 403;
      let detail = '';
      if (!ok) detail = await res.text().then((t) => { try { return String((JSON.parse(t) as { error?: string }).error ?? t); } catch { return t; } }, () => '');
      return {
        success: ok,
        message: ok ? 'connected to the logs API' : detail.slice(0, 200) || `HTTP ${res.status}`,
        status_code: res.status,
        // A refusal keeps the upstream's own words when it gave some.
        token_status: refused ? detail.slice(0, 200) || 'expired or invalid' : 'accepted',
        ...(ok ? { text: [{ key: 'logsOk', params: {} }] } : detail ? {} : { text: [{ key: 'httpStatus', params: { status: res.status } }] }),
        ...(refused && detail ? {} : { tokenText: { key: refused ? 'tokenRefused' : 'tokenAccepted', params: {} } }),
      };
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  } catch (error) {
    const e = error as { message?: string; cause?: { code?: string } };
    const reason = e.cause?.code ?? e.message ?? String(error);
    return { success: false, message: `connection error: ${reason}`, status_code: 0, token_status: 'unknown', text: [{ key: 'connectionError', params: { reason } }], tokenText: { key: 'tokenUnknown', params: {} } };
  }
}
