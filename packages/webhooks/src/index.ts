export { findUrlProblem, isPublicAddress } from "./address-policy";
export { createWebhookSender, type WebhookSendOutcome, type WebhookSender } from "./send-webhook";
export { signWebhook, type SignedWebhookHeaders, verifyWebhook } from "./sign-webhook";
export { nextAttemptAt, type RetrySchedule } from "./retry-schedule";
export { generateWebhookSecret } from "./webhook-secret";
