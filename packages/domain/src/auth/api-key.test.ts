import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { apiKeyDisplayPrefix, generateApiKeySecret, hashApiKeySecret, isWellFormedApiKey } from "./api-key";

describe("generateApiKeySecret", () => {
  it("returns mks_ followed by 48 URL-safe base64 characters", () => {
    const secret = generateApiKeySecret();
    expect(secret).toMatch(/^mks_[A-Za-z0-9_-]{48}$/);
    expect(secret).toHaveLength(52);
    expect(isWellFormedApiKey(secret)).toBe(true);
  });

  it("returns a different secret every time", () => {
    const secrets = new Set(Array.from({ length: 200 }, () => generateApiKeySecret()));
    expect(secrets.size).toBe(200);
  });

  it("encodes 36 random bytes", () => {
    const secret = generateApiKeySecret();
    expect(Buffer.from(secret.slice(4), "base64url")).toHaveLength(36);
  });
});

describe("hashApiKeySecret", () => {
  it("is the lower-case hex SHA-256 of the secret", () => {
    const secret = "mks_AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHHIIIIJJJJKKKKLLLL";
    expect(hashApiKeySecret(secret)).toBe(createHash("sha256").update(secret).digest("hex"));
    expect(hashApiKeySecret(secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKeySecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("is deterministic and distinguishes secrets", () => {
    const a = generateApiKeySecret();
    const b = generateApiKeySecret();
    expect(hashApiKeySecret(a)).toBe(hashApiKeySecret(a));
    expect(hashApiKeySecret(a)).not.toBe(hashApiKeySecret(b));
  });
});

describe("apiKeyDisplayPrefix", () => {
  it("is the first 12 characters", () => {
    expect(apiKeyDisplayPrefix("mks_Ab3dE9xYzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")).toBe("mks_Ab3dE9xY");
    const secret = generateApiKeySecret();
    expect(apiKeyDisplayPrefix(secret)).toBe(secret.slice(0, 12));
    expect(apiKeyDisplayPrefix(secret)).toHaveLength(12);
  });
});

describe("isWellFormedApiKey", () => {
  const body = `${"a".repeat(44)}Z9_-`;

  it("accepts mks_ plus 48 URL-safe base64 characters", () => {
    expect(isWellFormedApiKey(`mks_${body}`)).toBe(true);
  });

  it.each([
    ["", "empty"],
    [`mks_${body.slice(1)}`, "47 characters"],
    [`mks_${body}a`, "49 characters"],
    [`MKS_${body}`, "upper-case prefix"],
    [`mk_${body}a`, "wrong prefix"],
    [`${body}abcd`, "no prefix"],
    [`mks_${body.slice(1)}+`, "standard base64 +"],
    [`mks_${body.slice(1)}/`, "standard base64 /"],
    [`mks_${body.slice(1)}=`, "padding"],
    [`mks_${body}\n`, "trailing newline"],
    [` mks_${body}`, "leading space"],
    [`Bearer mks_${body}`, "with the scheme"],
  ])("rejects %j (%s)", (input) => {
    expect(isWellFormedApiKey(input)).toBe(false);
  });
});
