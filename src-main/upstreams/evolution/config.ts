import { WhatsappConfig } from '../../contract/evolution';
import type { CoreContext } from '../../core/context';

/** The console's WhatsApp rules and limits (`settings.extra.whatsapp`), re-read on every settings change. */
export class EvolutionConfig {
  current: WhatsappConfig;
  /** Event types hidden from the live stream (and from the history unless asked). */
  hiddenTypes = new Set<string>();
  /** Rule of an event type, looked up once per type and config (it runs for every event). */
  private readonly rulesByEvent = new Map<string, WhatsappConfig['rules'][number] | undefined>();

  constructor(private readonly ctx: CoreContext) {
    this.current = this.read();
    this.apply();
  }

  reload(): void {
    this.current = this.read();
    this.apply();
  }

  ruleFor(event: string) {
    if (this.rulesByEvent.has(event)) return this.rulesByEvent.get(event);
    const rule = this.current.rules.find((r) => r.event === event) ?? this.current.rules.find((r) => r.event === '*');
    if (this.rulesByEvent.size < 1_000) this.rulesByEvent.set(event, rule);
    return rule;
  }

  private read(): WhatsappConfig {
    const parsed = WhatsappConfig.safeParse(this.ctx.settings.get().extra.whatsapp ?? {});
    return parsed.success ? parsed.data : WhatsappConfig.parse({});
  }

  private apply(): void {
    this.hiddenTypes = new Set(this.current.rules.filter((r) => r.hidden && r.event !== '*').map((r) => r.event));
    this.rulesByEvent.clear();
  }
}
