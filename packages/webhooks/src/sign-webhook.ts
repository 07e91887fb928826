import { Webhook } from "standardwebhooks";

export interface SignedWebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * The Standard Webhooks headers of one attempt: `webhook-signature` is `v1,` and the base64
 * HMAC-SHA256 of `<id>.<timestamp>.<body>` keyed by the secret's decoded bytes. The id stays the
 * same across retries; the timestamp is the attempt's, so receivers can refuse stale replays.
 */
export function signWebhook(input: {
  secret: string;
  id: string;
  timestamp: Date;
  body: string;
}): SignedWebhookHeaders {
  const seconds = Math.floor(input.timestamp.getTime() / 1_000);
  return {
    "webhook-id": input.id,
    "webhook-timestamp": String(seconds),
    "webhook-signature": new Webhook(input.secret).sign(input.id, new Date(seconds * 1_000), input.body),
  };
}

/** Checks a received webhook as a receiver would (tests, examples); throws when it does not verify. */
export function verifyWebhook(secret: string, body: string, headers: Record<string, string>): unknown {
  return new Webhook(secret).verify(body, headers);
}
