import { app } from 'electron';
// CommonJS package, ESM main: its named exports come through the default import.
import updaterPackage from 'electron-updater';
import { fileURLToPath } from 'node:url';
import { serveUpdateFolder, type UpdateFeed } from '../core/update-feed';
import { UpdateFailure, type Updater } from '../core/updates';

/**
 * electron-updater adapted to the host-free policy (`core/updates.ts`): a generic feed at the
 * admin's URL, no automatic download or install — the policy decides both. A development run
 * cannot update itself: no updater (updates "not applicable").
 */
export function electronUpdater(beforeInstall: () => void): Updater | null {
  if (!app.isPackaged) return null;
  const { autoUpdater } = updaterPackage;
  autoUpdater.autoDownload = false;
  autoUpdater.autoInstallOnAppQuit = false;
  autoUpdater.allowDowngrade = false;
  let feed: UpdateFeed | null = null;
  const closeFeed = async () => {
    await feed?.close();
    feed = null;
  };
  return {
    async check(url) {
      await closeFeed();
      let feedUrl = url;
      if (url.startsWith('file:')) {
        try {
          feed = await serveUpdateFolder(fileURLToPath(url));
        } catch (error) {
          throw new UpdateFailure('unreachable', (error as Error).message);
        }
        feedUrl = feed.url;
      }
      autoUpdater.setFeedURL({ provider: 'generic', url: feedUrl });
      try {
        const result = await autoUpdater.checkForUpdates();
        if (!result?.isUpdateAvailable) await closeFeed();
        return result?.isUpdateAvailable ? { version: result.updateInfo.version } : null;
      } catch (error) {
        await closeFeed();
        const message = (error as Error).message ?? String(error);
        // A reachable folder without a valid `latest*.yml` is a feed problem, not the network.
        throw new UpdateFailure(/yml|yaml|latest|404|parse/i.test(message) ? 'bad-feed' : 'unreachable', message);
      }
    },
    async download() {
      try {
        await autoUpdater.downloadUpdate();
      } catch (error) {
        throw new UpdateFailure('download-failed', (error as Error).message ?? String(error));
      } finally {
        await closeFeed();
      }
    },
    install() {
      beforeInstall();
      autoUpdater.quitAndInstall(true, true);
    },
  };
}
