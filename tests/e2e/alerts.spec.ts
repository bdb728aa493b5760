import { mkdirSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { callAdmin, callBridge, expect, test } from './host';

const shots = '.tmp/shots-wallboard';
mkdirSync(shots, { recursive: true });
type Result = { ok: boolean; value?: unknown };

async function simBase(page: Page): Promise<string> {
  const r = (await callBridge(page, 'connections.list')) as Result;
  const dash = (r.value as Array<{ id: string; url: string; link?: string }>).find((s) => s.id === 'dashboard' && !s.link)!;
  return dash.url.replace(/^ws/, 'http').replace(/\/ws\/dashboard_control\/$/, '');
}
async function setAlertSettings(page: Page, alerts: object) {
  const s = ((await callBridge(page, 'settings.get')) as Result).value as { alerts: object };
  await callAdmin(page, 'settings.update', { settings: { ...s, alerts: { ...s.alerts, ...alerts } } });
}
/**
 * Every `playing` event of the page's alert <audio> element, with its source (the sound really
 * played); `calls` is every `play()` the page asked of it — counted in the same task as the
 * timer that asked, so under a paused clock a count taken after `runFor` is final.
 */
async function listenForSound(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { plays: string[]; playCalls: string[] };
    w.plays = [];
    w.playCalls = [];
    const audio = document.querySelector<HTMLAudioElement>('[data-testid=alert-audio]')!;
    audio.addEventListener('playing', (e) => w.plays.push((e.target as HTMLAudioElement).currentSrc));
    audio.play = function (this: HTMLAudioElement) {
      w.playCalls.push(this.src);
      return HTMLMediaElement.prototype.play.call(this);
    };
  });
  const plays = () => page.evaluate(() => (window as unknown as { plays: string[] }).plays);
  return Object.assign(plays, { calls: () => page.evaluate(() => (window as unknown as { playCalls: string[] }).playCalls) });
}
/**
 * Pause the page's installed clock where it is now. `pauseAt` refuses a time already past, and
 * the page's time keeps flowing while the test asks for it: ask again with the new time.
 */
async function pauseNow(page: Page): Promise<void> {
  for (;;) {
    const at = (await page.evaluate(() => Date.now())) + 50;
    const refused = await page.clock.pauseAt(at).then(
      () => null,
      (e: Error) => e,
    );
    if (!refused) return;
    if (!/past/.test(refused.message)) throw refused;
  }
}
const simulate = (page: Page, message: object) => callAdmin(page, 'dashboard.simulate', { message });

// This spec changes settings (alert settings, language): a host of its own, so none leaks into another spec.
test.use({ ownHost: true });

test.describe('alert center and sound', () => {
  test.beforeEach(async ({ page, host }) => {
    await page.goto(host.url);
    await callBridge(page, 'alerts.acknowledgeAll');
    await callBridge(page, 'alerts.mute', { minutes: 0 });
  });

  test('the browser asks once for a click, then a critical alert’s upstream sound really plays and repeats until acknowledged', async ({ page, host }) => {
    await setAlertSettings(page, { repeatEverySec: 3, repeatCritical: true, sound: true });
    // The repeats are the page's own timers: its clock, installed before it loads, is the test's.
    await page.clock.install();
    await page.goto(host.url + '#/alerts');
    await page.reload();
    // Until a click (or a sound that the browser let play), the page says sound needs enabling.
    const prompt = page.getByTestId('sound-enable');
    // Another simulator's alert may play first and make the prompt go away on its own, at any
    // moment: its text is read in one step (null: already gone), never re-queried after.
    if (await prompt.isVisible()) {
      const offer = await prompt.textContent({ timeout: 1_000 }).catch(() => null);
      if (offer !== null) expect(offer).toContain('enable alert sounds');
      await prompt.click({ timeout: 3_000 }).catch(() => undefined);
    }
    await expect(prompt).toHaveCount(0);
    const plays = await listenForSound(page);
    const base = await simBase(page);
    // From here the page's time moves only when the test moves it: no repeat, and no fallback
    // to the bundled sound while main resolves the upstream one, unless the test says so.
    await pauseNow(page);
    const stamp = Date.now();
    const title = `Storage com 98% de Ocupação ${stamp}`;
    // A sound URL of this alert alone (main caches by URL): the simulators' own critical alerts
    // play critical.wav too, and must not count as this alert's repeats.
    await simulate(page, { type: 'critical_alert', data: { id: `snd-${stamp}`, title, severity: 'critical', soundUrl: `${base}/static/sounds/critical.wav?e2e=${stamp}` } });
    await expect(page.getByTestId('alert-item').filter({ hasText: title })).toHaveAttribute('data-severity', 'critical');
    // Main fetched, validated and cached the upstream WAV; the page plays it from /media/.
    let src = '';
    await expect
      .poll(async () => {
        const list = ((await callBridge(page, 'alerts.list')) as Result).value as Array<{ title: string; sound?: { src: string } }>;
        return (src = list.find((a) => a.title === title)?.sound?.src ?? '');
      })
      .toMatch(/^media\/sounds\/[0-9a-f]+\.wav$/);
    const count = async () => (await plays()).filter((p) => p.endsWith(`/${src}`)).length;
    const asked = async () => (await plays.calls()).filter((p) => p.endsWith(`/${src}`)).length;
    await expect.poll(count, { timeout: 15_000 }).toBeGreaterThanOrEqual(1); // it really plays
    expect(await asked()).toBe(1); // once on arrival, no repeat while the clock stands still
    await page.clock.runFor(3_000); // one repeat period
    // The repeat is asked for. Its own `playing` is not awaited: the page has one <audio> element,
    // and a simulator's live alert arriving just then takes it over (the first play above
    // already showed this page really plays).
    expect(await asked()).toBe(2);
    await page.screenshot({ path: `${shots}/alerts-critical-en-1440.png` });
    await page.getByTestId('alert-item').filter({ hasText: title }).getByTestId('alert-ack').click();
    await expect(page.getByTestId('alert-item').filter({ hasText: title })).toHaveCount(0);
    const after = await asked();
    // Two repeat periods and more later: the page did not even ask for the sound again.
    await page.clock.runFor(7_000);
    expect(await asked()).toBe(after);
  });

  test('falls back to the bundled sound when soundUrl is not audio or unreachable, and says why', async ({ page, host }) => {
    // Only info alerts sound in this test, so other simulators' alerts cannot blur the check.
    await setAlertSettings(page, { repeatCritical: false, sound: true, soundSeverities: ['info'] });
    await page.goto(host.url + '#/alerts');
    await page.reload();
    if (await page.getByTestId('sound-enable').isVisible()) await page.getByTestId('sound-enable').click({ timeout: 3_000 }).catch(() => undefined);
    const plays = await listenForSound(page);
    const base = await simBase(page);
    await simulate(page, { type: 'new_ticket_alert', data: { id: `na-${Date.now()}`, title: 'Impressora Rede - Sem Conectividade', severity: 'info', soundUrl: `${base}/static/sounds/not-audio.mp3` } });
    const info = async () => (await plays()).filter((src) => /\/resources\/sounds\/info\.wav$/.test(src)).length;
    await expect.poll(info, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    expect((await plays()).some((src) => src.includes('/media/'))).toBe(false);
    const before = await info();
    await expect(page.getByTestId('alert-item').filter({ hasText: 'Impressora Rede' }).getByTestId('sound-fallback')).toContainText('not audio');
    // A sound on another host than the dashboard's: main does not fetch it at all (issue 12, item 8).
    await simulate(page, { type: 'critical_alert', data: { id: `un-${Date.now()}`, title: 'Link da Matriz', severity: 'info', soundUrl: 'http://127.0.0.1:9/static/sounds/critical.mp3' } });
    await expect.poll(info, { timeout: 15_000 }).toBeGreaterThan(before);
    await expect(page.getByTestId('alert-item').filter({ hasText: 'Link da Matriz' }).getByTestId('sound-fallback')).toContainText('not from the upstream');
    await page.screenshot({ path: `${shots}/alerts-fallback-en-1440.png` });
    await setAlertSettings(page, { soundSeverities: ['critical', 'high', 'medium', 'low'] });
  });

  test('desktop notifications: shown for an alert while the window is not focused, never when focused or turned off', async ({ page, host }) => {
    // The browser's Notification and focus, observed: permission granted, focus switchable.
    await page.addInitScript(() => {
      const w = window as unknown as { shown: Array<{ title: string; body?: string; requireInteraction?: boolean }>; focused: boolean };
      w.shown = [];
      w.focused = false;
      class FakeNotification {
        static permission = 'granted';
        static requestPermission = async () => 'granted';
        onclick: (() => void) | null = null;
        constructor(title: string, options: NotificationOptions = {}) {
          w.shown.push({ title, body: options.body, requireInteraction: options.requireInteraction });
        }
      }
      Object.defineProperty(window, 'Notification', { value: FakeNotification });
      document.hasFocus = () => w.focused;
    });
    await page.goto(host.url + '#/alerts');
    await page.reload();
    const shown = () => page.evaluate(() => (window as unknown as { shown: Array<{ title: string; requireInteraction?: boolean }> }).shown);
    const raise = async (title: string) => {
      await simulate(page, { type: 'critical_alert', data: { id: `dn-${title.split(' ').at(-1)}-${Date.now()}`, title, severity: 'critical' } });
      await expect(page.getByTestId('alert-item').filter({ hasText: title })).toBeVisible();
    };
    const ours = async () => (await shown()).filter((n) => n.title.includes('Notif e2e'));

    await raise('Notif e2e unfocused');
    await expect.poll(ours).toEqual([{ title: 'Critical: Notif e2e unfocused', body: '', requireInteraction: true }]);

    await page.evaluate(() => ((window as unknown as { focused: boolean }).focused = true));
    await raise('Notif e2e focused');
    await page.evaluate(() => ((window as unknown as { focused: boolean }).focused = false));
    await setAlertSettings(page, { desktopNotifications: false });
    await raise('Notif e2e off');
    // The store decides on a notification in the same task that adds the alert, before it is
    // drawn: with the alert on screen, the decision is made.
    expect((await ours()).map((n) => n.title)).toEqual(['Critical: Notif e2e unfocused']);
    await setAlertSettings(page, { desktopNotifications: true });
  });

  test('a kiosk with several displays sounds once: only the first display’s window plays', async ({ page, host }) => {
    await setAlertSettings(page, { sound: true, soundSeverities: ['critical', 'high', 'medium', 'low'] });
    const raise = async (title: string) => {
      await simulate(page, { type: 'critical_alert', data: { id: `echo-${Date.now()}`, title, severity: 'critical' } });
      await expect(page.getByTestId('alert-banner-title')).toHaveText(title); // the banner is on every screen
    };
    // Every source the page gives its alert <audio> element. The store sets it before the
    // banner renders, and a MutationObserver reports it before Vue's render: no waiting needed.
    const watchSources = async () => {
      await page.evaluate(() => {
        const w = window as unknown as { sources: string[] };
        w.sources = [];
        const audio = document.querySelector('[data-testid=alert-audio]')!;
        new MutationObserver(() => w.sources.push(audio.getAttribute('src') ?? '')).observe(audio, { attributes: true, attributeFilter: ['src'] });
      });
      return () => page.evaluate(() => (window as unknown as { sources: string[] }).sources);
    };

    await page.goto(host.url + '#/kiosk?display=1');
    await page.reload(); // a kiosk window shows one display for its whole life
    await expect(page.getByTestId('kiosk')).toBeVisible();
    await expect(page.getByTestId('sound-enable')).toHaveCount(0); // nothing to enable here
    await page.mouse.click(600, 400); // a gesture: this page may play sound, yet must not
    const sources = await watchSources();
    await raise(`Link da Matriz caiu ${Date.now()}`);
    expect(await sources()).toEqual([]);

    await page.goto(host.url + '#/kiosk?display=0');
    await page.reload(); // a kiosk window shows one display for its whole life
    await expect(page.getByTestId('kiosk')).toBeVisible();
    await page.mouse.click(600, 400);
    const plays = await listenForSound(page);
    await raise(`Link da Filial caiu ${Date.now()}`);
    await expect.poll(plays).toContainEqual(expect.stringContaining('critical.wav')); // this one plays
  });

  test('acknowledge, snooze, mute and history in the alert center (pt-BR)', async ({ page, host }) => {
    const s = ((await callBridge(page, 'settings.get')) as Result).value as object;
    await callAdmin(page, 'settings.update', { settings: { ...s, language: 'pt-BR' } });
    try {
      await simulate(page, { type: 'new_ticket_alert', data: { id: `a-${Date.now()}`, title: 'Servidor Web - Falha de Disco', severity: 'high' } });
      await simulate(page, { type: 'project_update_alert', data: { id: `p-${Date.now()}`, title: 'Migração para Cloud', severity: 'medium' } });
      await page.goto(host.url + '#/alerts');
      await page.reload();
      const items = page.getByTestId('alert-item').filter({ hasText: /Servidor Web - Falha de Disco|Migração para Cloud/ });
      await expect(items).toHaveCount(2);
      await expect(items.first()).toHaveAttribute('data-severity', 'high');
      await page.getByTestId('mute-15').click();
      await expect(page.getByTestId('muted-until')).toContainText('Som silenciado até');
      await expect(page.getByTestId('sound-off')).toContainText('Som silenciado');
      await page.screenshot({ path: `${shots}/alerts-pt-1440.png`, fullPage: true });
      await page.getByTestId('unmute').click();
      await items.first().getByTestId('alert-ack').click();
      await expect(items).toHaveCount(1);
      await items.first().getByRole('button', { name: 'Adiar 15 min' }).click();
      await expect(items.first()).toHaveAttribute('data-state', 'snoozed');
      await page.getByTestId('tab-history').click();
      await expect(page.locator('[data-testid=alert-item][data-state=acknowledged]').first()).toContainText('reconhecido por browser');
    } finally {
      await callAdmin(page, 'settings.update', { settings: { ...s, language: 'auto' } }); // the default: a later test of this file follows its browser
    }
  });
});
