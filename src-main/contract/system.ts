import { z } from 'zod';
import { command, channel, lossless, bounded } from './define';
import { Empty, JournalEntry, Ok, TestResult, UpstreamId, UpstreamStatus } from './common';
import { SecretStatus, Settings } from './settings';

export const SystemInfo = z.object({
  version: z.string(),
  host: z.enum(['electron', 'web']),
  demo: z.boolean(),
  platform: z.string(),
  /** Where secrets are encrypted: `safeStorage:gnome_libsecret`, `safeStorage:basic_text`, `keyfile`… */
  secretBackend: z.string(),
  /** Things an operator should see at once (corrupted settings recovered, weak secret storage…). */
  warnings: z.array(z.string()),
});

const LinkRef = z.object({ id: UpstreamId, link: z.string().optional() });

export const systemCommands = {
  'system.info': command({ input: Empty, output: SystemInfo, summary: 'Host, version, demo mode and start-up warnings.' }),
  'connections.list': command({ input: Empty, output: z.array(UpstreamStatus), summary: 'Every upstream link and its health.' }),
  'connections.connect': command({ input: LinkRef, output: Ok, summary: 'Connect (or reconnect now) one upstream.' }),
  'connections.disconnect': command({ input: LinkRef, output: Ok, summary: 'Disconnect one upstream until connected again.' }),
  'connections.test': command({ input: LinkRef, output: TestResult, summary: "Test an upstream; answers like seed 000's teste-conexao." }),
  'inspector.recent': command({
    input: z.object({
      limit: z.number().int().min(1).max(5_000).default(500),
      upstream: z.string().optional(),
      type: z.string().optional(),
      id: z.string().optional(),
    }),
    output: z.array(JournalEntry),
    summary: 'The newest timeline entries, optionally filtered (history survives restarts).',
  }),
  'settings.get': command({ input: Empty, output: Settings, summary: 'Current settings (never secrets).' }),
  'settings.update': command({
    input: z.object({ settings: z.unknown() }),
    output: Settings,
    privileged: true,
    summary: 'Replace settings after validation; takes effect without restart.',
  }),
  'secrets.status': command({ input: Empty, output: z.array(SecretStatus), summary: 'Which secrets are set (masked), never values.' }),
  'secrets.set': command({
    input: z.object({ name: z.string(), value: z.string().min(1).max(16_384) }),
    output: SecretStatus,
    privileged: true,
    summary: 'Store a token or key, encrypted at rest in main.',
  }),
  'demo.control': command({
    input: z.object({ target: z.enum(['rpaLogs', 'keywordHub', 'evolution', 'dashboard']), action: z.enum(['stop', 'start', 'restart', 'drop']) }),
    output: Ok,
    summary: 'Demo mode only: stop, start, restart a simulator or cut its clients (outage drills, tests).',
  }),
  'secrets.clear': command({ input: z.object({ name: z.string() }), output: Ok, privileged: true, summary: 'Forget a secret.' }),
} as const;

export const systemChannels = {
  'connections.status': channel({ schema: UpstreamStatus, policy: lossless, summary: 'A link changed state or counters.' }),
  'inspector.entries': channel({ schema: JournalEntry, policy: bounded(2_000), summary: 'The live cross-upstream timeline.' }),
  'settings.changed': channel({ schema: Settings, policy: lossless, summary: 'Settings changed (any window or the admin): every open view follows without reload.' }),
  'system.warning': channel({ schema: z.object({ message: z.string(), at: z.number() }), policy: lossless, summary: 'Something an operator must see.' }),
} as const;
