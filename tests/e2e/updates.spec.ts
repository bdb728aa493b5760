import { callAdmin, callBridge, expect, test, unlockAdmin } from './host';

test.describe('updates settings (web host: not applicable, settings still kept)', () => {
  test('the web host says updates do not apply; an admin sets the folder and hour, bad values are named', async ({ page, host }) => {
    await page.goto(`${host.url}#/settings/updates`);
    expect(await callBridge(page, 'updates.state')).toMatchObject({ ok: true, value: { applicable: false, status: 'idle' } });
    expect(await callAdmin(page, 'updates.check')).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    await unlockAdmin(page);
    await page.getByTestId('tab-updates').click();
    await expect(page.getByTestId('updates-not-applicable')).toBeVisible();
    await expect(page.getByTestId('updates-state')).toHaveCount(0);

    await page.getByTestId('updates-enabled').check();
    await page.getByTestId('updates-url').fill('ftp://updates.noc.example/');
    await page.getByTestId('updates-save').click();
    await expect(page.getByTestId('error-updates-url')).toContainText('file://');

    await page.getByTestId('updates-url').fill('file:///mnt/share/ops-console/');
    await page.getByTestId('updates-check-at').fill('04:30');
    await page.getByTestId('updates-save').click();
    await expect(page.getByTestId('updates-note')).toHaveClass(/ok-note/);
    const saved = (await callBridge(page, 'settings.get')) as { value: { updates: unknown } };
    expect(saved.value.updates).toEqual({ enabled: true, url: 'file:///mnt/share/ops-console/', checkAt: '04:30' });

    // Put back for the other tests of this worker's host.
    const current = saved.value as Record<string, unknown>;
    expect(await callAdmin(page, 'admin.saveSettings', { settings: { ...current, updates: { enabled: false, url: '', checkAt: '03:00' } } })).toMatchObject({ ok: true });
  });
});
