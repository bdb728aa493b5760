/**
 * Kiosk screen management without Electron: one kiosk window per display (each with its own
 * playlist, `/kiosk?display=N`), the screen kept awake while any is open, and a debounced
 * re-layout when displays come and go (docking a laptop fires several events in a row). The
 * desktop host (`electron/kiosk.ts`) supplies the platform; unit tests supply a fake one.
 */

export interface KioskDisplay {
  id: number;
  bounds: { x: number; y: number; width: number; height: number };
}

export interface KioskWindow {
  close(): void;
}

export interface KioskPlatform {
  displays(): KioskDisplay[];
  /** Subscribe to displays added/removed/changed; returns the unsubscribe. */
  onDisplaysChanged(listener: () => void): () => void;
  /** Keep the display from sleeping; returns the release. */
  keepAwake(): () => void;
  openWindow(display: KioskDisplay, route: string): KioskWindow;
}

export const kioskRoute = (displayIndex: number): string => `/kiosk?display=${displayIndex}`;

export class KioskScreens {
  private windows: KioskWindow[] = [];
  private releaseAwake: (() => void) | null = null;
  private unsubscribe: (() => void) | null = null;
  private relayout: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly platform: KioskPlatform,
    private readonly relayoutMs = 1_500,
  ) {}

  start(): void {
    if (this.releaseAwake) return;
    this.releaseAwake = this.platform.keepAwake();
    this.unsubscribe = this.platform.onDisplaysChanged(() => {
      if (this.relayout) clearTimeout(this.relayout);
      this.relayout = setTimeout(() => this.layout(), this.relayoutMs);
    });
    this.layout();
  }

  stop(): void {
    if (this.relayout) clearTimeout(this.relayout);
    this.relayout = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.closeAll();
    this.releaseAwake?.();
    this.releaseAwake = null;
  }

  private layout(): void {
    this.relayout = null;
    this.closeAll();
    this.windows = this.platform.displays().map((display, i) => this.platform.openWindow(display, kioskRoute(i)));
  }

  private closeAll(): void {
    for (const win of this.windows) win.close();
    this.windows = [];
  }
}
