import { z } from 'zod';
import { command, channel, lossless } from './define';
import { Empty } from './common';

/**
 * Updates of the installed desktop app (issue 14): electron-updater's *generic* provider, from a
 * folder an admin names — an internal web server or a file share (NOC networks are often
 * closed). Off by default; one check a day at `checkAt`; never restarts during a critical
 * alert or an unlocked admin session.
 */
export const updateUrl = z
  .url({ protocol: /^(https?|file)$/, error: 'must be an http://, https:// or file:// URL of the update folder' })
  .max(2_000)
  .refine((url) => !/[?#]/.test(url), 'a folder URL: no ?query or #fragment');

export const UpdateSettings = z
  .object({
    enabled: z.boolean().default(false),
    /** The folder holding `latest.yml` / `latest-linux.yml` / `latest-mac.yml` and the installers. */
    url: updateUrl.or(z.literal('')).default(''),
    /** Local time of the daily check, `HH:MM` (24 h). */
    checkAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time as HH:MM (00:00–23:59)').default('03:00'),
  })
  .refine((s) => !s.enabled || s.url !== '', { path: ['url'], message: 'updates need the URL of the update folder' });
export type UpdateSettings = z.infer<typeof UpdateSettings>;

export const UpdateStatus = z.enum(['idle', 'checking', 'downloading', 'ready', 'error']);
/** Why a check or download failed; the renderer words it. */
export const UpdateErrorCode = z.enum(['unreachable', 'bad-feed', 'download-failed', 'install-failed', 'failed']);
export type UpdateErrorCode = z.infer<typeof UpdateErrorCode>;
/** What a downloaded update waits for before it restarts the console. */
export const UpdateBlocker = z.enum(['critical-alert', 'admin-session']);
export type UpdateBlocker = z.infer<typeof UpdateBlocker>;

export const UpdateState = z.object({
  /** False where the console cannot update itself: the web host, a development run. */
  applicable: z.boolean(),
  enabled: z.boolean(),
  status: UpdateStatus,
  /** The downloaded (or downloading) version. */
  pendingVersion: z.string().max(100).optional(),
  lastCheck: z.number().optional(),
  nextCheck: z.number().optional(),
  errorCode: UpdateErrorCode.optional(),
  /** A ready update waits while any of these holds (it installs once none does). */
  waitingFor: z.array(UpdateBlocker).optional(),
});
export type UpdateState = z.infer<typeof UpdateState>;

export const updateCommands = {
  'updates.state': command({ input: Empty, output: UpdateState, summary: 'Whether updates apply here, are on, and where they stand (pending version, last check, error code).' }),
  'updates.check': command({ input: Empty, output: UpdateState, privileged: true, summary: 'Check the update folder now (and download in the background); never restarts during a critical alert or an admin session.' }),
} as const;

export const updateChannels = {
  'updates.state': channel({ schema: UpdateState, policy: lossless, summary: 'The update state changed (checking, downloading, ready with its version, error, waiting to restart).' }),
} as const;
