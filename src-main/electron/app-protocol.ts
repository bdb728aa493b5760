import { net, protocol } from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { contentSecurityPolicy } from '../web/static-files';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://console`;

/** Must run before `app.ready`: a standard, secure origin for the renderer instead of file://. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);
}

/** Serve the built renderer and bundled resources at app://console/, with the CSP header. */
export function serveApp(rendererDir: string, resourcesDir: string, mediaDir?: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const path = decodeURIComponent(url.pathname);
    const [base, rest] = path.startsWith('/resources/')
      ? [resourcesDir, path.slice('/resources'.length)]
      : mediaDir && path.startsWith('/media/')
        ? [mediaDir, path.slice('/media'.length)]
        : [rendererDir, path];
    let file = normalize(join(base, rest));
    if (!file.startsWith(base + sep)) return new Response('forbidden', { status: 403 });
    if (base === rendererDir && !/\.[a-z0-9]+$/i.test(file)) file = join(rendererDir, 'index.html');
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', contentSecurityPolicy);
    return new Response(response.body, { status: response.status, headers });
  });
}
