export { findUrlProblem, isPublicAddress } from "./address-policy";
export { nextAttemptAt, type RetrySchedule } from "./retry-schedule";
export { createWebhookSender, type WebhookSender, type WebhookSendOutcome } from "./send-webhook";
export { type SignedWebhookHeaders, signWebhook, verifyWebhook } from "./sign-webhook";
export { generateWebhookSecret } from "./webhook-secret";
