import type { Settings } from '../../contract/settings';

/** The upstream's two forms (direct SSE with the global JWT, the seed's Flask proxy): settings, paths, secret. */

export type RpaLogsSettings = Settings['upstreams']['rpaLogs'];

/** The proxy form's path prefix (stream per job, connection test). */
export const PROXY_PREFIX = '/api/v2/logs-tempo-real';
/** The secret holding the global JWT (direct form). */
export const TOKEN = 'rpaLogs.token';

export const trimSlash = (url: string) => url.replace(/\/+$/, '');
