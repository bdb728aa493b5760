import { BrowserWindow, shell, type WebContents } from 'electron';
import { RendererWatchdog } from '../core/renderer-watchdog';
import { mayNavigate, mayOpenExternal } from '../core/window-policy';
import { APP_ORIGIN } from './app-protocol';

const windows = new Set<BrowserWindow>();

export const isOurWindow = (contents: WebContents): boolean => [...windows].some((w) => !w.isDestroyed() && w.webContents === contents);

export interface WindowOptions {
  preload: string;
  icon: string;
  /** Route to open, e.g. `/kiosk`. */
  route?: string;
  kiosk?: boolean;
  bounds?: Electron.Rectangle;
  /** Hosts `shell.openExternal` may open (those of the configured upstreams, read at click time). */
  externalHosts: () => ReadonlySet<string>;
}

/** A console window with every security default on, and self-healing when its renderer dies. */
export function createConsoleWindow(options: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    ...options.bounds,
    minWidth: 960,
    minHeight: 600,
    backgroundColor: '#0b1016',
    title: 'Ops Console',
    icon: options.icon,
    show: false,
    kiosk: options.kiosk ?? false,
    autoHideMenuBar: true,
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      // A minimized console must still ring on time (a critical alert repeats until acknowledged).
      backgroundThrottling: false,
      // Kiosks play alert sounds with nobody touching the machine.
      autoplayPolicy: options.kiosk ? 'no-user-gesture-required' : 'user-gesture-required',
    },
  });
  windows.add(win);
  win.on('closed', () => windows.delete(win));
  win.once('ready-to-show', () => win.show());

  const contents = win.webContents;
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  const home = devUrl ?? `${APP_ORIGIN}/`;
  // Every way a frame can leave the renderer — a link, a server redirect, an iframe — gets the same check.
  contents.on('will-navigate', (event) => {
    if (!mayNavigate(event.url, home)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!mayNavigate(event.url, home)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!mayNavigate(event.url, home)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    // Links (download URLs, notification actions) open in the system browser only to upstream hosts.
    if (mayOpenExternal(url, options.externalHosts())) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const watchdog = new RendererWatchdog({
    reload: () => contents.reload(),
    crash: () => contents.forcefullyCrashRenderer(),
    isDestroyed: () => win.isDestroyed(),
    log: (message) => console.error(message),
  });
  contents.on('render-process-gone', (_event, details) => watchdog.gone(details.reason));
  win.on('unresponsive', () => watchdog.unresponsive());
  win.on('responsive', () => watchdog.responsive());
  win.on('closed', () => watchdog.dispose());

  const route = options.route ?? '/';
  void (devUrl ? win.loadURL(`${devUrl}#${route}`) : win.loadURL(`${APP_ORIGIN}/index.html#${route}`));
  return win;
}

export const allWindows = (): BrowserWindow[] => [...windows].filter((w) => !w.isDestroyed());
