import { app, BrowserWindow, session } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pkg from '../../package.json';
import { createConsole } from '../composition';
import type { Core } from '../core/app-core';
import { appPaths } from '../core/app-paths';
import { installLastResort } from '../core/last-resort';
import { kioskCloseAction, trayQuitAction, upstreamHosts } from '../core/window-policy';
import { registerAppScheme, serveApp } from './app-protocol';
import { bindIpc } from './ipc';
import { applyAutostart, startKiosk, wantsKiosk, type KioskHost } from './kiosk';
import { provisionFromArgv } from './provision';
import { chooseCipher } from './safe-storage-cipher';
import { createTray } from './tray';
import { electronUpdater } from './updater';
import { allWindows, createConsoleWindow, isOurWindow } from './windows';

const paths = appPaths({ packaged: app.isPackaged, platform: process.platform, resourcesPath: process.resourcesPath, mainDir: dirname(fileURLToPath(import.meta.url)) });

/** `--setup-kiosk` / `--remove-kiosk`: provisioning runs instead of the console (no window, no core). */
const provisioning = provisionFromArgv(process.argv);
registerAppScheme();
if (!provisioning && !app.requestSingleInstanceLock()) app.quit();

let core: Core | null = null;
let kiosk: KioskHost | null = null;
/** The tray's Quit was chosen in kiosk mode: quit once the kiosk is left with the PIN. */
let quitAfterKioskExit = false;
/** Set once `kiosk.exited` (the PIN was given): kiosk windows and the app may close from then on. */
let kioskExitConfirmed = false;

function showMain(): void {
  const [win] = allWindows();
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  } else openMain();
}

/** Hosts external links may open, read when a link is clicked (settings may have changed). */
const externalHosts = (): ReadonlySet<string> => (core ? upstreamHosts(core.ctx.effective()) : new Set());

function openMain(): BrowserWindow {
  return createConsoleWindow({ preload: paths.preload, icon: paths.icon, externalHosts });
}

function requestQuit(): void {
  if (trayQuitAction(kiosk !== null) === 'quit' || !core) return app.quit();
  askKioskExit();
}

/** Kiosk: the screens open the kiosk exit's PIN prompt; `kiosk.exit` checks the PIN in main, then the app quits. */
function askKioskExit(): void {
  quitAfterKioskExit = true;
  core?.hub.publish('kiosk.exitRequested', { at: Date.now(), reason: 'quit' });
}

/** A kiosk window's close (Alt+F4) or the app's quit (Cmd+Q, `before-quit`): only once the PIN confirmed the exit. */
function mayClose(): boolean {
  if (kioskCloseAction(kiosk !== null, kioskExitConfirmed) === 'allow') return true;
  askKioskExit();
  return false;
}

app.on('second-instance', () => !provisioning && showMain());
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('activate', () => allWindows().length === 0 && openMain());
app.on('before-quit', (event) => {
  if (!mayClose()) return event.preventDefault();
  void core?.close();
});
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // Any web contents (not only our windows) may open nothing by itself.
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

void app.whenReady().then(async () => {
  if (provisioning) return;
  const dataDir = app.getPath('userData');
  const warnings: string[] = [];
  const cipher = chooseCipher(dataDir, warnings);
  // An update's restart was allowed by the policy (no critical alert, no admin session): kiosk windows may close.
  const updater = electronUpdater(() => (kioskExitConfirmed = true));
  core = await createConsole({ host: 'electron', version: pkg.version, dataDir, cipher, demo: 'auto', seedOnly: process.argv.includes('--seed-only'), warnings, ...(updater ? { updater } : {}) });
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(permission === 'notifications'));
  serveApp(paths.renderer, paths.resources, join(dataDir, 'media'));
  bindIpc(core, isOurWindow);
  applyAutostart(core);
  installLastResort(process, core.ctx);
  if (wantsKiosk(core)) {
    kiosk = startKiosk(core, {
      preload: paths.preload,
      icon: paths.icon,
      externalHosts,
      mayClose,
      onExit: () => {
        kioskExitConfirmed = true;
        kiosk = null;
        if (quitAfterKioskExit) app.quit();
        else openMain();
      },
    });
  } else openMain();
  createTray(core, paths.tray, showMain, requestQuit);
});
