import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';

const root = resolve(import.meta.dirname, '../..');
const serve = join(root, process.env.OPS_OUT_DIR ?? 'out', 'main/serve.js');
const run = (...args: string[]) => spawnSync(process.execPath, [serve, '--data-dir', mkdtempSync(join(tmpdir(), 'ops-cli-')), ...args], { encoding: 'utf8', timeout: 20_000 });

test.describe('npm run serve: bad input stops start-up with one clear message', () => {
  test('unknown flag', () => {
    const r = run('--bogus');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ops-console: Unknown option '--bogus'/);
  });

  test('bad port', () => {
    const r = run('--port', 'eighty');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--port must be a whole number');
  });

  test('missing and malformed config files, nothing overwritten', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-cfg-'));
    expect(run('--config', join(dir, 'absent.json')).stderr).toMatch(/cannot read config file .*ENOENT/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"upstreams": {"rpaLogs": {"url": "ftp://nope"}}}');
    const r = run('--config', bad);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('upstreams.rpaLogs.url');
    expect(readFileSync(bad, 'utf8')).toBe('{"upstreams": {"rpaLogs": {"url": "ftp://nope"}}}');
  });

  test('kiosk provisioning is a desktop feature: the headless host refuses it', () => {
    for (const flag of ['--setup-kiosk', '--remove-kiosk']) {
      const r = run(flag, '--config', 'kiosk.json');
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('--setup-kiosk and --remove-kiosk are desktop features');
    }
  });

  test('--allow-host with a port or scheme', () => {
    const r = run('--allow-host', 'http://wall.example:80');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--allow-host takes a host name or address without port or scheme');
  });

  test('port in use', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const r = run('--port', String(port), '--demo');
    blocker.close();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
  });

  test('a non-loopback bind without an access token is refused', () => {
    const r = run('--host', '0.0.0.0', '--port', '0', '--demo');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('refusing to listen on 0.0.0.0 without a bridge access token');
  });
});

test('a data folder that does not exist yet is created, readable by its owner only', async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'ops-cli-')), 'new', 'console');
  const child = spawn(process.execPath, [serve, '--data-dir', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const ready = await new Promise<string>((done, fail) => {
      let out = '';
      child.stdout.on('data', (d) => (out += String(d)) && /^ready /m.test(out) && done(out));
      child.on('exit', (code) => fail(new Error(`exited ${code}: ${out}`)));
    });
    expect(ready).toMatch(/^ready http:\/\/127\.0\.0\.1:\d+\//m);
    expect(statSync(dataDir).mode & 0o077).toBe(0);
  } finally {
    child.kill();
  }
});
