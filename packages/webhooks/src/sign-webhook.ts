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
 * During a secret rotation `previousSecret` signs too: the specification's space-separated list,
 * the current secret's signature first (`v1,<current> v1,<previous>`); a receiver that knows
 * either secret verifies the request.
 */
export function signWebhook(input: {
  secret: string;
  previousSecret?: string | null | undefined;
  id: string;
  timestamp: Date;
  body: string;
}): SignedWebhookHeaders {
  const seconds = Math.floor(input.timestamp.getTime() / 1_000);
  const at = new Date(seconds * 1_000);
  const secrets = input.previousSecret ? [input.secret, input.previousSecret] : [input.secret];
  return {
    "webhook-id": input.id,
    "webhook-timestamp": String(seconds),
    "webhook-signature": secrets
      .map((secret) => new Webhook(secret).sign(input.id, at, input.body))
      .join(" "),
  };
}

/** Checks a received webhook as a receiver would (tests, examples); throws when it does not verify. */
export function verifyWebhook(secret: string, body: string, headers: Record<string, string>): unknown {
  return new Webhook(secret).verify(body, headers);
}
