import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emailDomainOf, isValidEmail, normaliseEmail } from "./email";

describe("normaliseEmail", () => {
  it.each([
    ["jane@acme.com", "jane@acme.com"],
    ["  Jane.Smith@Acme.COM \t", "jane.smith@acme.com"],
    ["JANE@ACME.COM", "jane@acme.com"],
  ])("normalises %j to %j", (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(fc.string(), (input) => {
        expect(normaliseEmail(normaliseEmail(input))).toBe(normaliseEmail(input));
      }),
    );
  });
});

describe("isValidEmail", () => {
  it.each([
    ["jane@acme.com"],
    ["Jane.Smith@Acme.co.uk"],
    ["jane+newsletter@acme.com"],
    ["o'brien@acme.ie"],
    ["x_y-z@sub.acme.com"],
    ["1234@acme.io"],
    ["a@b.io"],
    ["jane@bücher.de"],
    ["jane@xn--bcher-kva.de"],
    ["!#$%&'*+/=?^_`{|}~-@acme.com"],
    [`${"a".repeat(64)}@acme.com`],
  ])("accepts %j", (input) => {
    expect(isValidEmail(input)).toBe(true);
  });

  it.each([
    [""],
    ["jane"],
    ["jane.acme.com"],
    ["@acme.com"],
    ["jane@"],
    ["jane@@acme.com"],
    ["jane@acme@acme.com"],
    ["jane@acme"],
    ["jane@localhost"],
    ["jane@1.2.3.4"],
    ["jane@[1.2.3.4]"],
    ["jane@acme.invalidtld"],
    ["jane@acme..com"],
    ["jane@-acme.com"],
    ["jane@acme.com."],
    [".jane@acme.com"],
    ["jane.@acme.com"],
    ["ja..ne@acme.com"],
    ["jane smith@acme.com"],
    [" jane@acme.com"],
    ["jane@acme.com "],
    ['"jane"@acme.com'],
    ["jané@acme.com"],
    ["jane(comment)@acme.com"],
    ["jane@acme.com/path"],
    [`${"a".repeat(65)}@acme.com`],
  ])("rejects %j", (input) => {
    expect(isValidEmail(input)).toBe(false);
  });

  it("accepts at most 254 characters in all", () => {
    const longest = `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(57)}.com`;
    expect(longest).toHaveLength(254);
    expect(isValidEmail(longest)).toBe(true);
    expect(isValidEmail(`${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(58)}.com`)).toBe(
      false,
    );
  });
});

describe("emailDomainOf", () => {
  it.each([
    ["jane@acme.com", "acme.com"],
    ["Jane@ACME.COM", "acme.com"],
    ["  jane@acme.com  ", "acme.com"],
    ["jane@eu.acme.co.uk", "acme.co.uk"],
    ["jane@www.acme.com", "acme.com"],
    ["jane@bücher.de", "xn--bcher-kva.de"],
    ["jane@gmail.com", "gmail.com"],
  ])("takes the domain of %j as %j", (input, expected) => {
    expect(emailDomainOf(input)).toBe(expected);
  });

  it.each([
    ["jane"],
    ["jane@"],
    ["jane@localhost"],
    ["jane@1.2.3.4"],
    ["jane@acme.com/x"],
    ["jane@acme.com:25"],
  ])("returns null for %j", (input) => {
    expect(emailDomainOf(input)).toBeNull();
  });
});
