/**
 * The two ends of seed 003's webhooks, for demo mode and tests:
 *
 * - a **sink** (`webhooks-sink.ts`): an HTTP endpoint the console's outbound deliveries can
 *   target, recording everything and answering from a script (slow, failing, rate-limited…),
 *   so retries, timeouts and the delivery log can be exercised for real;
 * - a **sender** (`webhooks-sender.ts`): the fiscal system itself, POSTing signed
 *   `nfe_importada`… events (`webhooks-fiscal-data.ts`) to the console's inbound receiver.
 *
 * The sender signs with its own code (the `standardwebhooks` reference library, plain
 * node:crypto for the rest), not with the console's signing.ts, so a passing inbound test is
 * a real interoperability check rather than the console agreeing with itself.
 */

export { FISCAL_EVENTS, makeChave, makeCnpj, makeFiscalPayload, type FiscalEvent, type FiscalWebhookPayload } from './webhooks-fiscal-data';
export { startWebhookSender, type SentWebhook, type WebhookSender, type WebhookSenderOptions } from './webhooks-sender';
export { startWebhookSink, type SinkRequest, type SinkStep, type WebhookSink, type WebhookSinkOptions } from './webhooks-sink';
