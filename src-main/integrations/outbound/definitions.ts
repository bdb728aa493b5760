import type { Webhook, WebhookInput } from '../../contract/integrations';
import type { DeliveryQueue } from '../delivery-queue';

/**
 * The webhooks an operator defined: kept in memory for the pump, saved in SQLite with the
 * queue, and shown with their secret's status only (the secret itself stays in the vault).
 */

export type StoredWebhook = Omit<Webhook, 'secret'>;

export class WebhookDefinitions {
  private readonly hooks = new Map<string, StoredWebhook>();

  constructor(
    private readonly queue: DeliveryQueue,
    private readonly secretStatus: (webhookId: string) => { present: boolean; masked: string },
    private readonly onChange?: (webhook: Webhook) => void,
  ) {
    for (const hook of queue.loadWebhooks<StoredWebhook>()) this.hooks.set(hook.id, hook);
  }

  ids(): string[] {
    return [...this.hooks.keys()];
  }

  all(): StoredWebhook[] {
    return [...this.hooks.values()];
  }

  find(id: string): StoredWebhook | undefined {
    return this.hooks.get(id);
  }

  require(id: string): StoredWebhook {
    const hook = this.hooks.get(id);
    if (!hook) throw Object.assign(new Error(`no webhook ${id}`), { code: 'invalid-argument' });
    return hook;
  }

  create(input: WebhookInput, id: string, now: number): StoredWebhook {
    const hook: StoredWebhook = { ...input, id, disabledReason: null, failingSince: null, unreachable: false, createdAt: now, updatedAt: now };
    this.save(hook);
    return hook;
  }

  /** Enabling clears the disable reason and the endpoint's failing/unreachable marks. */
  update(id: string, input: WebhookInput, now: number): StoredWebhook {
    const current = this.require(id);
    const enabling = input.enabled && !current.enabled;
    const hook: StoredWebhook = { ...current, ...input, updatedAt: now, ...(input.enabled ? { disabledReason: null } : {}), ...(enabling ? { failingSince: null, unreachable: false } : {}) };
    this.save(hook);
    return hook;
  }

  remove(id: string, now: number): void {
    this.require(id);
    this.hooks.delete(id);
    this.queue.deleteWebhook(id, now);
  }

  save(hook: StoredWebhook): void {
    this.hooks.set(hook.id, hook);
    this.queue.saveWebhook(hook.id, hook, hook.createdAt);
    this.onChange?.(this.view(hook));
  }

  view(hook: StoredWebhook): Webhook {
    return { ...hook, secret: this.secretStatus(hook.id) };
  }
}
