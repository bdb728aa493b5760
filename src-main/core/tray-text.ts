import type { UpstreamStatus } from '../contract';

/**
 * The desktop tray's words in the operator's language (the renderer has its own i18n; the tray
 * lives in main). Portuguese unless the setting or the OS says English, as in the renderer.
 */
const words = {
  en: { show: 'Show Ops Console', quit: 'Quit', allUp: 'all connections up', down: { connecting: 'connecting', reconnecting: 'reconnecting', 'auth-failed': 'auth failed' } },
  'pt-BR': { show: 'Abrir o Ops Console', quit: 'Sair', allUp: 'todas as conexões ativas', down: { connecting: 'conectando', reconnecting: 'reconectando', 'auth-failed': 'falha de autenticação' } },
} as const;

export type TrayLocale = keyof typeof words;

export const trayLocale = (setting: 'auto' | TrayLocale, osLocale: string): TrayLocale =>
  setting !== 'auto' ? setting : osLocale.toLowerCase().startsWith('en') ? 'en' : 'pt-BR';

/** Links that are trying and failing (an operator's stop or an unconfigured link is not "down"). */
const downLinks = (statuses: Iterable<UpstreamStatus>): UpstreamStatus[] =>
  [...statuses].filter((s) => s.state === 'connecting' || s.state === 'reconnecting' || s.state === 'auth-failed');

export function trayText(locale: TrayLocale, statuses: Iterable<UpstreamStatus>) {
  const w = words[locale];
  const down = downLinks(statuses);
  const tooltip = down.length
    ? `Ops Console — ${down.map((s) => `${s.link ? `${s.id}/${s.link}` : s.id}: ${w.down[s.state as keyof typeof w.down]}`).join(', ')}`
    : `Ops Console — ${w.allUp}`;
  return { show: w.show, quit: w.quit, tooltip, alert: down.length > 0 };
}
