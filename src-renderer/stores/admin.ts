import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AdminStatus, AuditEntry, TokenInfo } from '../../src-main/contract/admin';
import type { CommandInput, CommandName, CommandOutput } from '../../src-main/contract';
import type { BridgeError } from '../../src-main/contract/wire';
import { BridgeCallError, useBridge } from '../bridge';
import { useSnapshot } from '../bridge/snapshot';

/** A failed admin call as the views show it: a message plus field-level issues. */
export interface Problem {
  code: BridgeError['code'] | 'client';
  message: string;
  fields: Record<string, string>;
}

export const problemOf = (error: unknown): Problem => {
  if (error instanceof BridgeCallError) {
    const fields: Record<string, string> = {};
    for (const issue of error.error.issues ?? []) fields[issue.path] ??= issue.message;
    return { code: error.error.code, message: error.error.message, fields };
  }
  return { code: 'internal', message: error instanceof Error ? error.message : String(error), fields: {} };
};

/**
 * Admin lock state of this window's session, the token store (status only — values never
 * reach the renderer) and the audit log. Main decides; this store only mirrors.
 */
export const useAdminStore = defineStore('admin', () => {
  const bridge = useBridge();
  const status = ref<AdminStatus | null>(null);
  const tokens = ref<Record<string, TokenInfo>>({});
  const audit = ref<AuditEntry[]>([]);
  const now = ref(Date.now());
  /** The first-run "Set the admin PIN" dialog is wanted (an admin action met `pin-required`). */
  const setupWanted = ref(false);
  let lockTimer: ReturnType<typeof setTimeout> | null = null;
  let lastTouch = 0;

  const setStatus = (next: AdminStatus) => {
    status.value = next;
    if (lockTimer) clearTimeout(lockTimer);
    lockTimer = null;
    // Mirror main's auto-lock so the screen locks when the session does.
    if (next.unlockedUntil) lockTimer = setTimeout(() => void refresh(), Math.max(0, next.unlockedUntil - Date.now()) + 250);
  };

  async function refresh(): Promise<void> {
    setStatus(await bridge.call('admin.status'));
  }
  async function loadTokens(): Promise<void> {
    const list = await bridge.call('tokens.list');
    tokens.value = Object.fromEntries(list.map((t) => [t.name, t]));
  }

  useSnapshot('admin', () => Promise.all([refresh(), loadTokens()]));
  bridge.on('tokens.changed', (items) => {
    const next = { ...tokens.value };
    for (const t of items) next[t.name] = t;
    tokens.value = next;
  });
  // Any view's admin action on a fresh install: main refuses it (`pin-required`); offer the setup step.
  bridge.onCallError((_cmd, error) => {
    if (error.code !== 'pin-required') return;
    setupWanted.value = true;
    void refresh();
  });
  setInterval(() => (now.value = Date.now()), 30_000);

  const locked = computed(() => !!status.value && !status.value.unlocked);
  /** First run: no PIN yet, and this caller may set one. */
  const needsPin = computed(() => !!status.value && status.value.trusted && !status.value.pinSet);
  const tokenList = computed(() => Object.values(tokens.value).sort((a, b) => (a.upstream ?? 'zz').localeCompare(b.upstream ?? 'zz') || a.name.localeCompare(b.name)));

  /** Run a privileged call; a refusal because the session locked itself refreshes the lock state. */
  async function privileged<N extends CommandName>(cmd: N, args?: CommandInput<N>): Promise<CommandOutput<N>> {
    try {
      const result = await bridge.call(cmd, args);
      lastTouch = Date.now();
      if (status.value?.unlockedUntil) setStatus({ ...status.value, unlockedUntil: Date.now() + status.value.autoLockMs });
      return result;
    } catch (error) {
      if (error instanceof BridgeCallError && error.error.code === 'forbidden') void refresh();
      throw error;
    }
  }

  async function unlock(pin: string) {
    const result = await bridge.call('admin.unlock', { pin });
    setStatus(result.status);
    return result.check;
  }
  async function lock() {
    setStatus(await bridge.call('admin.lock'));
  }
  async function setPin(pin: string) {
    setStatus(await privileged('admin.setPin', { pin }));
    setupWanted.value = false;
  }
  /** User activity on admin screens keeps the session open (at most one call per 20 s). */
  function activity(): void {
    if (!status.value?.unlockedUntil || Date.now() - lastTouch < 20_000) return;
    lastTouch = Date.now();
    void bridge.call('admin.touch').then(setStatus, () => undefined);
  }
  async function loadAudit(limit = 300) {
    audit.value = await privileged('admin.audit', { limit });
  }

  return { status, tokens, tokenList, audit, now, locked, needsPin, setupWanted, refresh, loadTokens, privileged, unlock, lock, setPin, activity, loadAudit };
});
