import { describe, expect, it } from "vitest";
import { DomainError, domainErrorCodes, isDomainError } from "./domain-error";

describe("DomainError", () => {
  it("carries a code, a message and optional details", () => {
    const details = [{ path: "email", message: "email must be a valid email address." }];
    const error = new DomainError("unprocessable_entity", "The request is invalid.", details);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("DomainError");
    expect(error.code).toBe("unprocessable_entity");
    expect(error.message).toBe("The request is invalid.");
    expect(error.details).toEqual(details);
    expect(error.stack).toContain("DomainError");
  });

  it("accepts record details and a cause", () => {
    const cause = new Error("lock timeout");
    const error = new DomainError("service_unavailable", "Try again.", { retryAfterMs: 500 }, { cause });
    expect(error.details).toEqual({ retryAfterMs: 500 });
    expect(error.cause).toBe(cause);
  });

  it("has no details or cause unless given", () => {
    const error = new DomainError("not_found", "Contact not found.");
    expect(error.details).toBeUndefined();
    expect("details" in error).toBe(false);
    expect("cause" in error).toBe(false);
  });

  it("lists every code", () => {
    expect([...domainErrorCodes].sort()).toEqual([
      "bad_request",
      "conflict",
      "idempotency_key_reused",
      "not_found",
      "outcome_unknown",
      "payload_too_large",
      "rate_limited",
      "service_unavailable",
      "unauthorized",
      "unprocessable_entity",
      "unsupported_media_type",
    ]);
  });
});

describe("isDomainError", () => {
  it("recognises DomainError instances only", () => {
    expect(isDomainError(new DomainError("conflict", "Two contacts match."))).toBe(true);
    expect(isDomainError(new Error("boom"))).toBe(false);
    expect(isDomainError({ name: "DomainError", code: "conflict", message: "fake" })).toBe(false);
    expect(isDomainError(null)).toBe(false);
    expect(isDomainError("conflict")).toBe(false);
  });
});
