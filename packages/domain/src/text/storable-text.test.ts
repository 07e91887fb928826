import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isStorableText } from "./storable-text";

describe("isStorableText", () => {
  it.each([
    ["plain text", "Jane Doe"],
    ["an empty string", ""],
    ["accents and CJK", "Zoë 東京"],
    ["an astral character (a surrogate pair)", "rocket 🚀"],
    ["fullwidth forms", "ｄｕｐ＠ａｃｍｅ．ｃｏｍ"],
  ])("accepts %s", (_case, value) => {
    expect(isStorableText(value)).toBe(true);
  });

  it.each([
    ["a NUL character", "Ja\u0000ne"],
    ["a lone high surrogate at the end", "Jane\uD800"],
    ["a lone low surrogate at the start", "\uDC00Jane"],
    ["two high surrogates", "\uD83D\uD83D"],
    ["a reversed pair", "\uDE80\uD83D"],
  ])("refuses %s", (_case, value) => {
    expect(isStorableText(value)).toBe(false);
  });

  it("agrees with a UTF-8 round trip for any string without NUL", () => {
    // Code units, with surrogates over-represented: lone ones, pairs and reversed pairs all occur.
    const codeUnit = fc.oneof(fc.integer({ min: 0xd800, max: 0xdfff }), fc.integer({ min: 0, max: 0xffff }));
    const text = fc.array(codeUnit, { maxLength: 12 }).map((units) => String.fromCharCode(...units));
    fc.assert(
      fc.property(text, (value) => {
        const roundTrips = Buffer.from(value, "utf8").toString("utf8") === value;
        expect(isStorableText(value)).toBe(roundTrips && !value.includes("\u0000"));
      }),
    );
  });
});
