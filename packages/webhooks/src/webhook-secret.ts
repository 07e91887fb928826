import { randomBytes } from "node:crypto";

/** Standard Webhooks' secret form: `whsec_` and the base64 of the key (32 random bytes here). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}
