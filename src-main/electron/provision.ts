import { app } from 'electron';
import { askNewPin } from '../admin/pin-prompt';
import { provisionExitCodes, provisionRequest, runProvisioning } from '../admin/provision';
import { chooseCipher } from './safe-storage-cipher';

/**
 * `ops-console --setup-kiosk --config FILE` / `--remove-kiosk`: argv → `admin/provision.ts`,
 * one line on the terminal, exit code; no window opens. Returns false for a normal start.
 */
export function provisionFromArgv(argv: readonly string[]): boolean {
  const request = provisionRequest(argv);
  if (!request) return false;
  const finish = (code: number, line: string) => {
    (code === 0 ? process.stdout : process.stderr).write(`ops-console: ${line}\n`);
    app.exit(code);
  };
  if (request.action === 'usage') {
    finish(provisionExitCodes.usage, request.message);
    return true;
  }
  // A running console would overwrite the new settings with its own: provisioning runs alone.
  if (!app.requestSingleInstanceLock()) {
    finish(provisionExitCodes['write-failed'], 'the console is running: quit it first, then run the provisioning again');
    return true;
  }
  void app.whenReady().then(async () => {
    try {
      const outcome = await runProvisioning(request, {
        dataDir: app.getPath('userData'),
        // The same choice the console makes at start, so it can read what is stored here.
        cipher: () => chooseCipher(app.getPath('userData'), []),
        autostart: { platform: process.platform, packaged: app.isPackaged, execPath: process.execPath, appPath: app.getAppPath(), ...(process.env.APPIMAGE ? { appImage: process.env.APPIMAGE } : {}) },
        setLoginItem: (openAtLogin, args) => app.setLoginItemSettings({ openAtLogin, args }),
        askPin: () => askNewPin(process.stdin, process.stdout),
      });
      finish(outcome.exitCode, outcome.message);
    } catch (error) {
      finish(provisionExitCodes['write-failed'], `provisioning failed: ${(error as Error).message}`);
    }
  });
  return true;
}
