import { createHash } from "node:crypto";
import { normaliseEmail } from "../normalise/email";
import type { UpsertContactPayload } from "./upsert-payload";

/**
 * SHA-256 hex of the payload's canonical JSON, with `email` in its normalised form (the only field
 * the payload keeps as the client wrote it). Two payloads that differ only in key order, or only in
 * how they write one mailbox (`Jane@ACME.com`, `jane@ａｃｍｅ.com`), hash the same, so an
 * idempotency key is checked against "the same request" however the client wrote it.
 */
export function payloadHash(payload: UpsertContactPayload): string {
  const email =
    typeof payload.email === "string" ? (normaliseEmail(payload.email) ?? payload.email) : payload.email;
  return createHash("sha256")
    .update(toCanonicalJson({ ...payload, email }), "utf8")
    .digest("hex");
}

/**
 * JSON with object keys sorted (UTF-16 code unit order) at every depth and no whitespace. Like
 * JSON.stringify, object properties whose value is undefined are left out and undefined array
 * items become null. Values JSON cannot represent faithfully (NaN, Infinity, bigint, functions,
 * symbols, a top-level undefined) throw instead of being silently changed.
 */
export function toCanonicalJson(value: unknown): string {
  if (value === null) {
    return "null";
  }
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) {
        throw new TypeError(`Cannot encode ${value} as canonical JSON.`);
      }
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) {
        const items: unknown[] = value;
        return `[${items.map((item) => (item === undefined ? "null" : toCanonicalJson(item))).join(",")}]`;
      }
      const members: string[] = [];
      for (const key of Object.keys(value).sort()) {
        const member: unknown = Reflect.get(value, key);
        if (member !== undefined) {
          members.push(`${JSON.stringify(key)}:${toCanonicalJson(member)}`);
        }
      }
      return `{${members.join(",")}}`;
    }
    default:
      throw new TypeError(`Cannot encode a value of type ${typeof value} as canonical JSON.`);
  }
}
