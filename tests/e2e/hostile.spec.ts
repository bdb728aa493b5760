import { connect } from 'node:net';
import { expect, startHost, test } from './host';

/** One raw HTTP exchange: the status line the host answered, or null when it closed without one. */
function raw(url: string, bytes: string): Promise<string | null> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    socket.on('data', (c) => (text += c.toString('latin1')));
    socket.on('close', () => resolve(/^HTTP\/1\.1 \d{3}/.exec(text)?.[0] ?? null));
    socket.on('error', () => resolve(null));
    socket.write(bytes);
  });
}

test.describe('the built host survives hostile requests (issue 12)', () => {
  test('bad escapes, Origin: null and a rebound Host are answered; the process keeps running', async () => {
    const host = await startHost(['--allow-host', 'wall.noc.test']);
    try {
      const own = new URL(host.url).host;
      expect(await raw(host.url, `GET /%E0%A4%A HTTP/1.1\r\nHost: ${own}\r\nConnection: close\r\n\r\n`)).toBe('HTTP/1.1 400');
      const upgrade = (h: string, origin: string) => `GET /bridge HTTP/1.1\r\nHost: ${h}\r\nOrigin: ${origin}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;
      expect(await raw(host.url, upgrade(own, 'null'))).toBe('HTTP/1.1 403');
      const rebound = `rebind.attacker.example:${new URL(host.url).port}`;
      expect(await raw(host.url, upgrade(rebound, `http://${rebound}`))).toBe('HTTP/1.1 421');
      expect(await raw(host.url, `GET /api/health HTTP/1.1\r\nHost: ${rebound}\r\nConnection: close\r\n\r\n`)).toBe('HTTP/1.1 421');
      // The name an admin allowed is served, with any port (a reverse proxy).
      expect(await raw(host.url, `GET /api/health HTTP/1.1\r\nHost: wall.noc.test\r\nConnection: close\r\n\r\n`)).toBe('HTTP/1.1 200');
      const health = await fetch(`${host.url}api/health`);
      expect(health.status).toBe(200);
      expect(((await health.json()) as { web: { refused: { host: number; origin: number } } }).web.refused).toMatchObject({ host: 2, origin: 1 });
      expect(host.output()).not.toMatch(/URIError|Invalid URL|uncaught/i);
    } finally {
      await host.stop();
    }
  });

  test('a wallboard link with ?token= leaves the token in an HttpOnly cookie, not in the address bar', async ({ page, context }) => {
    const token = 'e2e-access-token-0123456789abcdef0123456789';
    const host = await startHost(['--demo'], { env: { OPS_CONSOLE_ACCESS_TOKEN: token } });
    try {
      await page.goto(`${host.url}?token=${token}#/`);
      // The page's bridge socket opened with the cookie: upstream cards show live state.
      await expect(page.locator('.conn-card[data-state="open"]').first()).toBeVisible({ timeout: 30_000 });
      expect(page.url()).not.toContain(token);
      const [cookie] = await context.cookies();
      expect(cookie).toMatchObject({ name: 'ops_console_token', httpOnly: true, sameSite: 'Strict' });
    } finally {
      await host.stop();
    }
  });
});
