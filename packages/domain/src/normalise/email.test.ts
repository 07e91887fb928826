import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emailDomainOf, isValidEmail, normaliseEmail } from "./email";

describe("normaliseEmail", () => {
  it.each([
    ["jane@acme.com", "jane@acme.com"],
    ["  Jane.Smith@Acme.COM \t", "jane.smith@acme.com"],
    ["JANE@ACME.COM", "jane@acme.com"],
    // The five forms: two mailboxes, each in one form.
    ["dup@acme.com", "dup@acme.com"],
    ["dup@ａｃｍｅ.com", "dup@acme.com"],
    ["dup@acme\u3002com", "dup@acme.com"],
    ["dup@bücher.de", "dup@xn--bcher-kva.de"],
    ["dup@xn--bcher-kva.de", "dup@xn--bcher-kva.de"],
    ["DUP@ＡＣＭＥ．ＣＯＭ", "dup@acme.com"],
    ["dup@acme\uFF61com", "dup@acme.com"],
    ["dup@BÜCHER.DE", "dup@xn--bcher-kva.de"],
    ["dup@XN--BCHER-KVA.DE", "dup@xn--bcher-kva.de"],
    ["dup@acme.com.", "dup@acme.com"],
    ["dup@acme.com\u3002", "dup@acme.com"],
    // Subdomains are other mailboxes: only the account lookup reduces to the registrable domain.
    ["a@mail.acme.com", "a@mail.acme.com"],
    ["a@www.acme.com", "a@www.acme.com"],
  ])("normalises %j to %j", (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
  });

  it("gives one form to the same mailbox however it is cased", () => {
    expect(normaliseEmail("a@b.com")).toBe(normaliseEmail("A@B.COM"));
    expect(normaliseEmail("a@b.com")).not.toBe(normaliseEmail("a@b.co"));
    expect(normaliseEmail("a@mail.acme.com")).not.toBe(normaliseEmail("a@acme.com"));
  });

  it.each([
    [""],
    ["   "],
    ["jane"],
    ["jane@acme"],
    ["jane@acme.com.."],
    ["jane@acme.com/x"],
    ["jane@acme.com\uFF0Fx"],
    ["ｊａｎｅ@acme.com"],
    ["jane＠acme.com"],
    ["jane@1.2.3.4"],
  ])("returns null for %j, which isValidEmail rejects too", (input) => {
    expect(normaliseEmail(input)).toBeNull();
    expect(isValidEmail(input)).toBe(false);
  });

  it("is idempotent, and its result is itself a valid address", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.emailAddress(),
          mailboxFormArbitrary.map(({ form }) => form),
        ),
        (input) => {
          const once = normaliseEmail(input);
          if (once !== null) {
            expect(normaliseEmail(once)).toBe(once);
            expect(isValidEmail(once)).toBe(true);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("maps every form of one address (case, fullwidth, full stops, punycode or Unicode, trailing dot) to one key", () => {
    fc.assert(
      fc.property(mailboxFormArbitrary, ({ canonical, form }) => {
        expect(isValidEmail(form.trim())).toBe(true);
        expect(normaliseEmail(form)).toBe(canonical);
      }),
      { numRuns: 1000 },
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
    ["jane@ａｃｍｅ.com"],
    ["jane@acme\u3002com"],
    ["jane@acme.com."],
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
    ["jane@ｅｕ．ａｃｍｅ．ｃｏ．ｕｋ", "acme.co.uk"],
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

// ---------------------------------------------------------------------------------------------
// Forms of one address, built independently of the code under test: the canonical form is
// written out by hand (punycode labels from a fixed table), the variants only re-spell it.

/** Unicode labels and their punycode (RFC 3492 / well-known values), so no encoder is needed. */
const idnLabels: ReadonlyArray<readonly [string, string]> = [
  ["bücher", "xn--bcher-kva"],
  ["münchen", "xn--mnchen-3ya"],
  ["café", "xn--caf-dma"],
  ["日本", "xn--wgv71a"],
];
const fullStops = [".", "\u3002", "\uFF0E", "\uFF61"];

/** ASCII letters, digits and `-` as their fullwidth forms (U+FF01..U+FF5E mirror U+0021..U+007E). */
function toFullwidth(text: string): string {
  return text.replace(/[A-Za-z0-9-]/g, (character) => String.fromCharCode(character.charCodeAt(0) + 0xfee0));
}

function flipCase(text: string, flips: boolean[]): string {
  return [...text]
    .map((character, index) => (flips[index % flips.length] ? character.toUpperCase() : character))
    .join("");
}

interface DomainLabel {
  /** As normaliseEmail must produce it. */
  canonical: string;
  /** Spellings of the same label. */
  unicode: string;
}

const asciiLabelArbitrary: fc.Arbitrary<DomainLabel> = fc
  .stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/)
  .filter((label) => !label.startsWith("xn--") && label.slice(2, 4) !== "--")
  .map((label) => ({ canonical: label, unicode: label }));
const idnLabelArbitrary: fc.Arbitrary<DomainLabel> = fc
  .constantFrom(...idnLabels)
  .map(([unicode, punycode]) => ({ canonical: punycode, unicode }));

const mailboxFormArbitrary = fc
  .record({
    local: fc.stringMatching(/^[a-z0-9_+-]{1,10}(?:\.[a-z0-9_+-]{1,10})?$/),
    labels: fc.array(fc.oneof(asciiLabelArbitrary, idnLabelArbitrary), { minLength: 1, maxLength: 3 }),
    suffix: fc.constantFrom("com", "de", "co.uk", "io"),
    // Per label: written as Unicode (an IDN label) or as its punycode.
    asUnicode: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    fullwidth: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    caseFlips: fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
    separators: fc.array(fc.constantFrom(...fullStops), { minLength: 4, maxLength: 4 }),
    trailingDot: fc.constantFrom("", ...fullStops),
    padding: fc.constantFrom("", " ", "\t", " \n"),
  })
  .map(({ local, labels, suffix, asUnicode, fullwidth, caseFlips, separators, trailingDot, padding }) => {
    const canonical = `${local}@${[...labels.map((label) => label.canonical), suffix].join(".")}`;
    const written = labels.map((label, index) => {
      const spelt = asUnicode[index] ? label.unicode : label.canonical;
      return fullwidth[index] ? toFullwidth(spelt) : spelt;
    });
    const domainLabels = [...written, ...suffix.split(".")];
    const domain = domainLabels
      .map((label, index) => (index === 0 ? label : `${separators[index - 1] ?? "."}${label}`))
      .join("");
    const form = `${padding}${flipCase(local, caseFlips)}@${flipCase(domain, caseFlips)}${trailingDot}${padding}`;
    return { canonical, form };
  });
