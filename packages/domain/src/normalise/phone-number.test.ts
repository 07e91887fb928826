import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSupportedPhoneRegion, normalisePhoneNumber } from "./phone-number";

describe("isSupportedPhoneRegion", () => {
  it.each([["US"], ["GB"], ["FR"], ["DE"]])("accepts %j", (region) => {
    expect(isSupportedPhoneRegion(region)).toBe(true);
  });

  it.each([["us"], ["UK"], ["USA"], [""], ["ZZ"]])("rejects %j", (region) => {
    expect(isSupportedPhoneRegion(region)).toBe(false);
  });
});

describe("normalisePhoneNumber", () => {
  it.each([
    ["+1 415 555 0132", "US", "+14155550132"],
    ["+1 415 555 0132", "GB", "+14155550132"],
    ["(415) 555-0132", "US", "+14155550132"],
    ["415.555.0132", "US", "+14155550132"],
    ["  4155550132  ", "US", "+14155550132"],
    ["020 7946 0018", "GB", "+442079460018"],
    ["+44 (0)20 7946 0018", "US", "+442079460018"],
    ["06 12 34 56 78", "FR", "+33612345678"],
    ["+49 30 123456", "US", "+4930123456"],
    // Possible though not assigned (555 numbers): still converted, the number is well formed.
    ["+1-555-123-4567", "US", "+15551234567"],
  ] as const)("converts %j (region %s) to %j", (input, region, expected) => {
    expect(normalisePhoneNumber(input, region)).toBe(expected);
  });

  it.each([
    ["", "US", ""],
    ["   ", "US", ""],
    ["12", "US", "12"],
    ["  abc  ", "US", "abc"],
    ["555-1234", "US", "555-1234"],
    ["call 415 555 0132 now", "US", "call 415 555 0132 now"],
    ["ask for Jane", "US", "ask for Jane"],
    // E.164 has no room for an extension, so the number is kept as given rather than truncated.
    ["+44 20 7946 0018 ext. 5", "US", "+44 20 7946 0018 ext. 5"],
    ["+1 999 999 9999 9999 9999", "US", "+1 999 999 9999 9999 9999"],
  ] as const)("keeps %j (region %s) as %j", (input, region, expected) => {
    expect(normalisePhoneNumber(input, region)).toBe(expected);
  });

  it("depends on the default region only for numbers without a country code", () => {
    expect(normalisePhoneNumber("020 7946 0018", "GB")).toBe("+442079460018");
    expect(normalisePhoneNumber("020 7946 0018", "US")).not.toBe("+442079460018");
  });

  it("is idempotent and never returns untrimmed text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\+?[0-9 ()-]{0,20}$/)), (input) => {
        const once = normalisePhoneNumber(input, "US");
        expect(once).toBe(once.trim());
        expect(normalisePhoneNumber(once, "US")).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });
});
