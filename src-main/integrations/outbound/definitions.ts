import { HEADER_MASK, maskHeaderValue, type Webhook, type WebhookInput } from '../../contract/integrations';
import type { DeliveryQueue } from '../delivery-queue';

/**
 * The webhooks an operator defined: kept in memory for the pump, saved in SQLite with the
 * queue, and shown with their secret's status only (the secret itself stays in the vault).
 *
 * Custom header values (`Authorization: Bearer …`) are secrets too: the vault keeps them as
 * `webhooks.<id>.header.<name>`, SQLite keeps only the names (value ''), and every answer
 * shows a mask. An edit that sends a mask back keeps the stored value.
 */

export type StoredWebhook = Omit<Webhook, 'secret'>;
/** What create/update take: the contract's input, the newer options optional (plain scripts, benches). */
export type WebhookDraft = Omit<WebhookInput, 'simpleSignature' | 'allowLinkLocal'> & Partial<Pick<WebhookInput, 'simpleSignature' | 'allowLinkLocal'>>;

/** Where header values live: the secret vault in the app, a Map in plain scripts and tests. */
export interface HeaderVault {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  clear(name: string): void;
}

export const headerSecretName = (webhookId: string, header: string) => `webhooks.${webhookId}.header.${header.toLowerCase()}`;

export function memoryHeaderVault(): HeaderVault {
  const values = new Map<string, string>();
  return { get: (n) => values.get(n), set: (n, v) => void values.set(n, v), clear: (n) => void values.delete(n) };
}

export class HeaderValueError extends Error {
  readonly code = 'invalid-argument';
}

export class WebhookDefinitions {
  private readonly hooks = new Map<string, StoredWebhook>();

  constructor(
    private readonly queue: DeliveryQueue,
    private readonly secretStatus: (webhookId: string) => { present: boolean; masked: string },
    private readonly vault: HeaderVault,
    private readonly onChange?: (webhook: Webhook) => void,
  ) {
    for (const loaded of queue.loadWebhooks<Partial<StoredWebhook> & StoredWebhook>()) {
      // Stored before per-webhook formats existed: their receivers were built on bare hex.
      const hook: StoredWebhook = { ...loaded, simpleSignature: loaded.simpleSignature ?? 'hex', allowLinkLocal: loaded.allowLinkLocal ?? false };
      this.hooks.set(hook.id, hook);
      this.migrateHeaders(hook);
    }
  }

  /** Header values stored in clear by older versions move into the vault (once, at start). */
  private migrateHeaders(hook: StoredWebhook): void {
    const clear = Object.entries(hook.headers).filter(([, value]) => value !== '');
    if (clear.length === 0) return;
    for (const [name, value] of clear) this.vault.set(headerSecretName(hook.id, name), value);
    const next = { ...hook, headers: Object.fromEntries(Object.keys(hook.headers).map((name) => [name, ''])) };
    this.hooks.set(hook.id, next);
    this.queue.saveWebhook(next.id, next, next.createdAt);
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

  create(input: WebhookDraft, id: string, now: number): StoredWebhook {
    const headers = this.storeHeaders(id, {}, input.headers);
    const hook: StoredWebhook = { simpleSignature: 'sha256', allowLinkLocal: false, ...input, headers, id, disabledReason: null, failingSince: null, unreachable: false, createdAt: now, updatedAt: now };
    this.save(hook);
    return hook;
  }

  /** Enabling clears the disable reason and the endpoint's failing/unreachable marks. */
  update(id: string, input: WebhookDraft, now: number): StoredWebhook {
    const current = this.require(id);
    const headers = this.storeHeaders(id, current.headers, input.headers);
    const enabling = input.enabled && !current.enabled;
    const hook: StoredWebhook = {
      ...current,
      ...input,
      headers,
      updatedAt: now,
      ...(input.enabled ? { disabledReason: null } : {}),
      ...(enabling ? { failingSince: null, unreachable: false } : {}),
    };
    this.save(hook);
    return hook;
  }

  remove(id: string, now: number): void {
    const hook = this.require(id);
    this.hooks.delete(id);
    this.queue.deleteWebhook(id, now);
    for (const name of Object.keys(hook.headers)) this.vault.clear(headerSecretName(id, name));
  }

  save(hook: StoredWebhook): void {
    this.hooks.set(hook.id, hook);
    this.queue.saveWebhook(hook.id, hook, hook.createdAt);
    this.onChange?.(this.view(hook));
  }

  /** The real header values, for sending only. */
  headerValues(hook: StoredWebhook): Record<string, string> {
    return Object.fromEntries(Object.keys(hook.headers).map((name) => [name, this.vault.get(headerSecretName(hook.id, name)) ?? '']));
  }

  view(hook: StoredWebhook): Webhook {
    const headers = Object.fromEntries(Object.entries(this.headerValues(hook)).map(([name, value]) => [name, maskHeaderValue(value)]));
    return { ...hook, headers, secret: this.secretStatus(hook.id) };
  }

  /**
   * New values go to the vault; a mask keeps the stored value of that name (case-insensitive);
   * names no longer present are cleared. Checked before anything is written.
   */
  private storeHeaders(id: string, before: Record<string, string>, wanted: Record<string, string>): Record<string, string> {
    for (const [name, value] of Object.entries(wanted)) {
      if (HEADER_MASK.test(value) && this.vault.get(headerSecretName(id, name)) === undefined) {
        throw new HeaderValueError(`header ${name}: type its value (a masked value can only keep one already stored)`);
      }
    }
    const kept = new Set(Object.keys(wanted).map((n) => n.toLowerCase()));
    for (const name of Object.keys(before)) if (!kept.has(name.toLowerCase())) this.vault.clear(headerSecretName(id, name));
    for (const [name, value] of Object.entries(wanted)) if (!HEADER_MASK.test(value)) this.vault.set(headerSecretName(id, name), value);
    return Object.fromEntries(Object.keys(wanted).map((name) => [name, '']));
  }
}
