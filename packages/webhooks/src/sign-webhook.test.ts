import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhook } from "./sign-webhook";
import { generateWebhookSecret } from "./webhook-secret";

describe("signWebhook", () => {
  const secret = generateWebhookSecret();
  const body = JSON.stringify({
    type: "job.succeeded",
    timestamp: "2026-12-02T05:00:00.000Z",
    data: { id: "x" },
  });
  const timestamp = new Date();

  it("signs as the Standard Webhooks specification says: v1,base64(HMAC-SHA256(key, id.timestamp.body))", () => {
    const headers = signWebhook({ secret, id: "msg_1", timestamp, body });
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    const seconds = Math.floor(timestamp.getTime() / 1000);
    const expected = createHmac("sha256", key).update(`msg_1.${seconds}.${body}`).digest("base64");
    expect(headers).toEqual({
      "webhook-id": "msg_1",
      "webhook-timestamp": String(seconds),
      "webhook-signature": `v1,${expected}`,
    });
  });

  it("verifies with the reference library, and refuses a changed body or another secret", () => {
    const headers = { ...signWebhook({ secret, id: "msg_2", timestamp, body }) };
    expect(verifyWebhook(secret, body, headers)).toMatchObject({ type: "job.succeeded" });
    expect(() => verifyWebhook(secret, `${body} `, headers)).toThrow();
    expect(() => verifyWebhook(generateWebhookSecret(), body, headers)).toThrow();
  });

  it("signs with both secrets during a rotation, the current one first, and either verifies", () => {
    const previous = generateWebhookSecret();
    const headers = { ...signWebhook({ secret, previousSecret: previous, id: "msg_3", timestamp, body }) };
    const signatures = headers["webhook-signature"].split(" ");
    expect(signatures).toEqual([
      signWebhook({ secret, id: "msg_3", timestamp, body })["webhook-signature"],
      signWebhook({ secret: previous, id: "msg_3", timestamp, body })["webhook-signature"],
    ]);
    expect(verifyWebhook(secret, body, headers)).toMatchObject({ type: "job.succeeded" });
    expect(verifyWebhook(previous, body, headers)).toMatchObject({ type: "job.succeeded" });
    expect(() => verifyWebhook(generateWebhookSecret(), body, headers)).toThrow();
    // Without a previous secret (none, or its overlap is over): one signature.
    expect(
      signWebhook({ secret, previousSecret: null, id: "msg_3", timestamp, body })["webhook-signature"],
    ).toBe(signatures[0]);
  });

  it("makes secrets in the whsec_<base64> form with 32 bytes of key", () => {
    const made = generateWebhookSecret();
    expect(made).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(made.slice(6), "base64")).toHaveLength(32);
    expect(made).not.toBe(secret);
  });
});
