import { createHash, randomBytes } from "node:crypto";

const apiKeyPrefix = "mks_";
// 36 random bytes encode to exactly 48 base64url characters (no padding): 288 bits of entropy.
const secretByteLength = 36;
const displayPrefixLength = 12;
const wellFormedApiKeyPattern = /^mks_[A-Za-z0-9_-]{48}$/;

/**
 * A new API key secret, `mks_` followed by 48 URL-safe base64 characters. It is shown to the user
 * once; only its hash (hashApiKeySecret) and display prefix are stored.
 */
export function generateApiKeySecret(): string {
  return `${apiKeyPrefix}${randomBytes(secretByteLength).toString("base64url")}`;
}

/**
 * Lower-case hex SHA-256 of the secret, the value stored and looked up. A plain fast hash is
 * enough because the secret carries 288 random bits; a slow password hash would only add latency
 * to every authenticated request.
 */
export function hashApiKeySecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** The first 12 characters (`mks_` + 8), safe to show in listings so users can tell keys apart. */
export function apiKeyDisplayPrefix(secret: string): string {
  return secret.slice(0, displayPrefixLength);
}

// Anything that starts like a key, however long: a key pasted into a URL or header with extra
// characters around it is still hidden.
const apiKeyLikePattern = /mks_[A-Za-z0-9_-]+/g;

/** `text` with every API-key-like token replaced by `mks_[redacted]`, for logs. */
export function redactApiKeySecrets(text: string): string {
  return text.includes(apiKeyPrefix) ? text.replace(apiKeyLikePattern, `${apiKeyPrefix}[redacted]`) : text;
}

/** Whether `input` has the exact shape of a generated secret; checked before hashing or lookup. */
export function isWellFormedApiKey(input: string): boolean {
  return wellFormedApiKeyPattern.test(input);
}
