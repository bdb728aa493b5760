import type { TestResult } from '../../contract';
import type { CoreContext } from '../../core/context';
import { PROXY_PREFIX, TOKEN, trimSlash } from './endpoints';

/** The connection test, answered in seed 000's `teste-conexao` shape for both forms. */
export async function testConnection(ctx: CoreContext, fetchImpl?: typeof fetch): Promise<TestResult> {
  const s = ctx.effective().upstreams.rpaLogs;
  const base = trimSlash(s.url);
  if (!base) return { success: false, message: 'URL da API de logs não configurada', status_code: 0, token_status: 'n/a' };
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
    if (!token) return { success: false, message: 'Token JWT não configurado', status_code: 401, token_status: 'Token JWT não configurado' };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 10_000);
    try {
      const res = await doFetch(`${base}/events/logs`, { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' }, signal: controller.signal });
      const ok = res.status === 200 && /text\/event-stream/i.test(res.headers.get('content-type') ?? '');
      let detail = '';
      if (!ok) detail = await res.text().then((t) => { try { return String((JSON.parse(t) as { error?: string }).error ?? t); } catch { return t; } }, () => '');
      return {
        success: ok,
        message: ok ? 'Conexão com API externa de logs estabelecida com sucesso' : detail.slice(0, 200) || `HTTP ${res.status}`,
        status_code: res.status,
        token_status: res.status === 401 || res.status === 403 ? detail.slice(0, 200) || 'Token JWT expirado ou inválido' : 'Token JWT global válido',
      };
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  } catch (error) {
    const e = error as { message?: string; cause?: { code?: string } };
    return { success: false, message: `Erro de conexão: ${e.cause?.code ?? e.message ?? String(error)}`, status_code: 0, token_status: 'desconhecido' };
  }
}
