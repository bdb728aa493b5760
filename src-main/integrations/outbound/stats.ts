import type { WebhookStats } from '../../contract/integrations';
import type { DeliveryQueue } from '../delivery-queue';

/** Per-webhook figures from the delivery log: success rate over logged attempts, p50/p95 latency, last failure, pending count. */
export function webhookStats(queue: DeliveryQueue, webhookId: string): WebhookStats {
  const s = queue.stats(webhookId);
  const sorted = [...s.durations].sort((a, b) => a - b);
  const pct = (p: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 10) / 10 : null);
  return {
    webhookId,
    attempts: s.attempts,
    succeeded: s.byState.succeeded ?? 0,
    failed: s.byState.failed ?? 0,
    pending: s.byState.pending ?? 0,
    successRate: s.attempts ? s.ok / s.attempts : null,
    p50Ms: pct(50),
    p95Ms: pct(95),
    lastFailureAt: s.lastFailureAt,
    lastFailure: s.lastFailure,
  };
}
