import { mkdirSync } from 'node:fs';
import WebSocket from 'ws';
import { callAdmin, callBridge, expect, startHost, test } from './host';

const shots = '.tmp/shots-wallboard';
mkdirSync(shots, { recursive: true });

type Result = { ok: boolean; value?: unknown; error?: { code: string; message: string } };
const dashboardHttp = async (page: import('@playwright/test').Page) => {
  const r = (await callBridge(page, 'connections.list')) as Result;
  const dash = (r.value as Array<{ id: string; url: string; link?: string }>).find((s) => s.id === 'dashboard' && !s.link)!;
  return dash.url.replace(/^ws/, 'http').replace(/\/ws\/dashboard_control\/$/, '');
};
/** A second client on the simulator's channel, like another operator's console. */
async function peer(httpBase: string): Promise<WebSocket> {
  const ws = new WebSocket(`${httpBase.replace(/^http/, 'ws')}/ws/dashboard_control/`);
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  return ws;
}
const simulate = (page: import('@playwright/test').Page, message: object) => callAdmin(page, 'dashboard.simulate', { message });

// This spec changes settings (language, kiosk playlists and PIN): a host of its own, so none leaks into another spec.
test.use({ ownHost: true });

test.describe('wallboard (seed 004)', () => {
  test('dashboard, tickets and projects boards show the channel’s data, readable at 1080p, in pt-BR and en', async ({ page, host }) => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(host.url + '#/wallboard');
    await expect(page.getByTestId('kpi-open')).toContainText(/\d+/);
    await expect(page.getByTestId('people-technicians').locator('li')).toHaveCount(5);
    await expect(page.getByTestId('people-analysts').locator('li')).toHaveCount(4);
    await expect(page.getByTestId('activity').locator('li').first()).toContainText('Ticket #');
    await expect(page.getByTestId('board-conn')).toContainText('connected');
    await page.screenshot({ path: `${shots}/dashboard-en-1080p.png` });

    await page.getByTestId('wb-tab-tickets').click();
    const rows = page.getByTestId('ticket-row');
    await expect(rows.first()).toBeVisible();
    // Sorted by priority: every critical row comes before any high, etc.
    const priorities = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-priority')));
    const rank = { critical: 0, high: 1, medium: 2, low: 3 } as Record<string, number>;
    const ranks = priorities.map((p) => rank[p!] ?? 9);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    const total = Number(await page.getByTestId('counter-total').locator('.v').textContent());
    expect(total).toBeGreaterThan(0);
    // Only rows that fit are drawn, every one whole on screen; the rest are counted, not clipped.
    const bottoms = await rows.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().bottom));
    expect(Math.max(...bottoms)).toBeLessThanOrEqual(1080);
    const state = ((await callBridge(page, 'dashboard.state')) as Result).value as { tickets: { ticketCount: number } };
    const more = page.getByTestId('ticket-more');
    const hidden = (await more.count()) ? Number((await more.textContent())!.match(/\d+/)![0]) : 0;
    expect(bottoms.length + hidden).toBe(state.tickets.ticketCount);
    if (hidden) await expect(more).toBeInViewport();
    await page.screenshot({ path: `${shots}/tickets-en-1080p.png` });

    await page.getByTestId('wb-tab-projects').click();
    await expect(page.getByTestId('project')).toHaveCount(8);
    await expect(page.locator('[data-testid=project][data-overdue=true]').first().getByTestId('project-due')).toContainText('overdue');
    await page.screenshot({ path: `${shots}/projects-en-1080p.png` });

    await callAdmin(page, 'settings.update', { settings: { ...((await callBridge(page, 'settings.get')) as Result).value as object, language: 'pt-BR' } });
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Projetos' })).toBeVisible();
    await expect(page.locator('[data-testid=project][data-overdue=true]').first().getByTestId('project-due')).toContainText('atrasado');
    await page.screenshot({ path: `${shots}/projects-pt-1080p.png` });
    await page.getByTestId('wb-tab-tickets').click();
    await expect(page.getByTestId('counter-critical')).toContainText('Crítica');
    await page.screenshot({ path: `${shots}/tickets-pt-1080p.png` });
    await page.getByTestId('wb-tab-dashboard').click();
    await expect(page.getByText('Chamados abertos')).toBeVisible();
    await page.screenshot({ path: `${shots}/dashboard-pt-1080p.png` });
    await page.setViewportSize({ width: 3840, height: 2160 });
    await page.screenshot({ path: `${shots}/dashboard-pt-4k.png` });
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByTestId('wb-tab-control').click();
    await expect(page.getByTestId('client-id')).toHaveValue(/^Kiosk-[A-Z]{5}$/);
    await page.screenshot({ path: `${shots}/control-pt-1440.png`, fullPage: true });
    await callAdmin(page, 'settings.update', { settings: { ...((await callBridge(page, 'settings.get')) as Result).value as object, language: 'auto' } }); // back to the default for the later tests of this file
  });

  test('malformed and unknown messages are counted and shown; the board keeps its data', async ({ page, host }) => {
    await page.goto(host.url + '#/wallboard/control');
    const before = Number(await page.getByTestId('health-unknown').textContent());
    await simulate(page, { type: 'weather_update' });
    await simulate(page, { type: 'tickets_update', data: [{ id: '1', title: 'sem campos' }] });
    await simulate(page, { type: 'projects_update', data: 'x' });
    await expect(page.getByTestId('health-unknown')).toHaveText(String(before + 1));
    await expect(page.getByTestId('health-malformed')).not.toHaveText('0');
    await expect(page.getByTestId('health-invalid')).not.toHaveText('0');
    await expect(page.getByTestId('health-last')).toContainText('projects_update');
    await page.goto(host.url + '#/connections');
    await expect(page.locator('[data-upstream=dashboard]')).toHaveAttribute('data-state', 'open');
  });

  test('kiosk rotates, pauses on interaction and follows a remote switch from another console', async ({ page, host }) => {
    const settings = ((await page.goto(host.url), callBridge(page, 'settings.get')) as Promise<Result>);
    const s = (await settings).value as { kiosk: object };
    await callAdmin(page, 'settings.update', {
      settings: { ...s, kiosk: { ...s.kiosk, playlists: [[{ route: '/wallboard', dwellSec: 5 }, { route: '/wallboard/projects', dwellSec: 5 }]], remoteHoldSec: 30, idleResumeSec: 30, preemptSeverities: [] } },
    });
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(host.url + '#/kiosk');
    const kiosk = page.getByTestId('kiosk');
    await expect(kiosk).toHaveAttribute('data-route', '/wallboard');
    await expect(kiosk).toHaveAttribute('data-route', '/wallboard/projects', { timeout: 10_000 });
    await expect(page.getByTestId('project').first()).toBeVisible();
    await page.screenshot({ path: `${shots}/kiosk-projects-en-1080p.png` });

    const other = await peer(await dashboardHttp(page));
    other.send(JSON.stringify({ type: 'remote_switch', target: 'tickets', timestamp: new Date().toISOString() }));
    await expect(kiosk).toHaveAttribute('data-route', '/wallboard/tickets');
    await expect(kiosk).toHaveAttribute('data-mode', 'remote');
    await expect(page.getByTestId('ticket-row').first()).toBeVisible();
    other.close();

    await page.mouse.click(900, 600);
    await expect(kiosk).toHaveAttribute('data-mode', 'paused');
    await expect(page.getByTestId('kiosk-paused')).toBeVisible();
    await page.screenshot({ path: `${shots}/kiosk-tickets-paused-en-1080p.png` });
  });

  test('a critical alert pre-empts the kiosk, shows a banner, and acknowledging resumes the rotation', async ({ page, host }) => {
    await page.goto(host.url);
    const s = ((await callBridge(page, 'settings.get')) as Result).value as { kiosk: object };
    await callAdmin(page, 'settings.update', { settings: { ...s, kiosk: { ...s.kiosk, playlists: [[{ route: '/wallboard/projects', dwellSec: 600 }]], preemptSeverities: ['critical', 'high'], preemptHoldSec: 120 } } });
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(host.url + '#/kiosk');
    const kiosk = page.getByTestId('kiosk');
    await expect(kiosk).toHaveAttribute('data-route', '/wallboard/projects');
    await expect(page.getByTestId('project').first()).toBeVisible();
    await simulate(page, { type: 'critical_alert', data: { id: `crit-e2e-${Date.now()}`, title: 'Servidor Principal Offline', severity: 'critical' } });
    await expect(kiosk).toHaveAttribute('data-mode', 'preempted');
    await expect(kiosk).toHaveAttribute('data-route', '/wallboard');
    await expect(page.getByTestId('alert-banner')).toHaveAttribute('data-severity', 'critical');
    await expect(page.getByTestId('alert-banner-title')).toHaveText('Servidor Principal Offline');
    await expect(page.getByTestId('alert-banner')).not.toContainText('crit-e2e'); // an id means nothing on a wall
    await page.screenshot({ path: `${shots}/kiosk-preempted-en-1080p.png` });
    await page.getByTestId('alert-banner-ack').click();
    await expect(kiosk).toHaveAttribute('data-route', '/wallboard/projects');
    await expect(kiosk).not.toHaveAttribute('data-mode', 'preempted');
  });

  test('leaving the kiosk needs the admin PIN', async ({ page, host }) => {
    await page.goto(host.url);
    await callAdmin(page, 'kiosk.setPin', { pin: '2468' });
    await page.goto(host.url + '#/kiosk');
    await expect(page.getByTestId('kiosk')).toBeVisible();
    // A wall shows no cursor; moving the mouse brings it back until it rests for 3 s.
    const cursor = () => page.evaluate(() => getComputedStyle(document.body).cursor);
    expect(await cursor()).toBe('none');
    await page.mouse.move(400, 400);
    expect(await cursor()).not.toBe('none');
    await expect.poll(cursor, { timeout: 6_000 }).toBe('none');
    await page.mouse.click(500, 500);
    await page.getByTestId('kiosk-exit').click();
    await page.getByTestId('kiosk-pin-input').fill('1111');
    await page.getByTestId('kiosk-pin-ok').click();
    await expect(page.getByTestId('kiosk-wrong-pin')).toBeVisible();
    await expect(page.getByTestId('kiosk')).toBeVisible();
    await page.getByTestId('kiosk-pin-input').fill('2468');
    await page.getByTestId('kiosk-pin-ok').click();
    await expect(page.getByTestId('kiosk')).toHaveCount(0);
    expect(await cursor()).not.toBe('none');
    await callAdmin(page, 'kiosk.setPin', { pin: '' });
  });
});

test('a kiosk that boots offline shows the last known board with its age', async ({ browser }) => {
  const first = await startHost(['--demo']);
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  try {
    await page.goto(first.url + '#/wallboard/tickets');
    await expect(page.getByTestId('ticket-row').first()).toBeVisible();
    const firstTitle = await page.getByTestId('ticket-row').first().locator('.title').textContent();
    await first.stop();
    const offline = await startHost(['--data-dir', first.dataDir], { config: { upstreams: { dashboard: { url: 'ws://127.0.0.1:9/ws/dashboard_control/' } } } });
    try {
      await page.goto(offline.url + '#/wallboard/tickets');
      await expect(page.getByTestId('board-conn')).toContainText('offline');
      await expect(page.getByTestId('ticket-row').first().locator('.title')).toHaveText(firstTitle!);
      await expect(page.getByTestId('board-status')).toHaveAttribute('data-stale', 'true');
      await expect(page.getByTestId('board-age')).toContainText(/Data from \d+ s ago/);
      await page.screenshot({ path: `${shots}/tickets-offline-en-1080p.png` });
    } finally {
      await offline.stop();
    }
  } finally {
    await page.close();
  }
});

test('a fresh install (no PIN at all): leaving the kiosk offers the first-PIN setup, not an exit; then it takes that PIN', async ({ browser }) => {
  const fresh = await startHost(['--demo'], { pin: null });
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  try {
    await page.goto(fresh.url + '#/kiosk');
    await expect(page.getByTestId('kiosk')).toBeVisible();
    const leave = async (pin: string) => {
      await page.mouse.click(500, 500);
      await page.getByTestId('kiosk-exit').click();
      await page.getByTestId('kiosk-pin-input').fill(pin);
      await page.getByTestId('kiosk-pin-ok').click();
    };
    await leave('');
    await expect(page.getByTestId('pin-setup')).toBeVisible();
    await expect(page.getByTestId('kiosk')).toBeVisible();
    await page.screenshot({ path: `${shots}/kiosk-first-pin-en-1080p.png` });
    await page.getByTestId('setup-pin').fill('97531');
    await page.getByTestId('setup-pin-confirm').fill('97531');
    await page.getByTestId('setup-save').click();
    await expect(page.getByTestId('pin-setup')).toHaveCount(0);
    await expect(page.getByTestId('kiosk')).toBeVisible();
    await leave('1111');
    await expect(page.getByTestId('kiosk-wrong-pin')).toBeVisible();
    await expect(page.getByTestId('kiosk')).toBeVisible();
    await page.getByTestId('kiosk-pin-input').fill('97531');
    await page.getByTestId('kiosk-pin-ok').click();
    await expect(page.getByTestId('kiosk')).toHaveCount(0);
  } finally {
    await page.close();
    await fresh.stop();
  }
});
