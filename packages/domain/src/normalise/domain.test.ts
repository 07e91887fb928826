import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normaliseDomain, normaliseHostname } from "./domain";

describe("normaliseDomain", () => {
  it.each([
    ["acme.com", "acme.com"],
    ["ACME.COM", "acme.com"],
    ["  acme.com \n", "acme.com"],
    ["www.acme.com", "acme.com"],
    ["WWW.Acme.Com", "acme.com"],
    ["https://www.acme.com/about?utm=1#team", "acme.com"],
    ["http://acme.com", "acme.com"],
    ["HTTPS://ACME.COM/", "acme.com"],
    ["ftp://acme.com/file", "acme.com"],
    ["//acme.com/path", "acme.com"],
    ["acme.com/", "acme.com"],
    ["acme.com/path/to/page", "acme.com"],
    ["acme.com?query=1", "acme.com"],
    ["acme.com#fragment", "acme.com"],
    ["acme.com:8080", "acme.com"],
    ["https://acme.com:443/x", "acme.com"],
    ["acme.com:", "acme.com"],
    ["acme.com.", "acme.com"],
    ["https://acme.com./", "acme.com"],
    ["eu.acme.co.uk", "acme.co.uk"],
    ["www.eu.acme.co.uk", "acme.co.uk"],
    ["https://www.eu.Acme.co.uk/de", "acme.co.uk"],
    ["acme.co.uk", "acme.co.uk"],
    ["mail.acme.com", "acme.com"],
    ["bücher.de", "xn--bcher-kva.de"],
    ["https://BÜCHER.de/katalog", "xn--bcher-kva.de"],
    ["xn--bcher-kva.de", "xn--bcher-kva.de"],
    ["münchen.example.com", "example.com"],
    ["münchen.de", "xn--mnchen-3ya.de"],
    // UTS #46 maps the ideographic, fullwidth and halfwidth full stops to dots, fullwidth
    // letters to ASCII; a trailing full stop of any of these kinds is dropped.
    ["acme\u3002com", "acme.com"],
    ["ａｃｍｅ．ｃｏｍ", "acme.com"],
    ["acme\uFF61com\u3002", "acme.com"],
    ["https://ＷＷＷ.ａｃｍｅ.com\uFF0E/x", "acme.com"],
    // A private suffix (github.io): each site is its own registrable domain.
    ["foo.github.io", "foo.github.io"],
    ["www.foo.github.io", "foo.github.io"],
    ["acme-corp.io", "acme-corp.io"],
    ["123.com", "123.com"],
    // `www` is the registrable label here, so it is kept.
    ["www.com", "www.com"],
    ["www.co.uk", "www.co.uk"],
    // Only the registrable domain is kept.
    ["www.www.acme.com", "acme.com"],
    ["wwwacme.com", "wwwacme.com"],
    ["www2.acme.com", "acme.com"],
  ])("normalises %j to %j", (input, expected) => {
    expect(normaliseDomain(input)).toBe(expected);
  });

  it.each([
    [""],
    ["   "],
    ["localhost"],
    ["http://localhost:3000"],
    ["foo"],
    ["com"],
    ["co.uk"],
    ["1.2.3.4"],
    ["http://1.2.3.4/admin"],
    ["[::1]"],
    ["http://[2001:db8::1]/"],
    ["acme..com"],
    ["acme.com.."],
    [".acme.com"],
    ["acme"],
    ["acme.invalidtld"],
    ["acme.local"],
    ["acme.internal"],
    ["-acme.com"],
    ["acme-.com"],
    ["ac_me.com"],
    ["ac me.com"],
    ["acme.com:abc"],
    ["ac\tme.com"],
    ["ac%41me.com"],
    ["a!b.com"],
    ["jane@acme.com"],
    ["https://user:pass@acme.com/"],
    ["mailto:jane@acme.com"],
    [`${"a".repeat(64)}.com`],
    [`${"a.".repeat(125)}acme.com`],
    ["https://"],
    ["/"],
  ])("rejects %j", (input) => {
    expect(normaliseDomain(input)).toBeNull();
  });

  it("accepts a 63-character label and a 253-character name", () => {
    expect(normaliseDomain(`${"a".repeat(63)}.com`)).toBe(`${"a".repeat(63)}.com`);
    const longest = `${"a".repeat(62)}.${"b".repeat(62)}.${"c".repeat(61)}.${"d".repeat(61)}.com`;
    expect(longest).toHaveLength(253);
    expect(normaliseDomain(longest)).toBe(`${"d".repeat(61)}.com`); // valid, reduced to its registrable part
    expect(normaliseDomain(`a${longest}`)).toBeNull();
  });

  it("is idempotent on arbitrary input", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.webUrl(), fc.domain(), fc.string({ unit: "grapheme" })),
        (input) => {
          const once = normaliseDomain(input);
          if (once !== null) {
            expect(normaliseDomain(once)).toBe(once);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  const labelArbitrary = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
  const suffixArbitrary = fc.constantFrom("com", "co.uk", "de", "io", "com.au", "org");

  it("reduces every decorated form of a hostname to its registrable domain", () => {
    fc.assert(
      fc.property(
        fc.array(labelArbitrary, { minLength: 1, maxLength: 3 }).filter((labels) => labels[0] !== "www"),
        suffixArbitrary,
        fc.constantFrom("", "http://", "https://", "HTTPS://", "//"),
        fc.boolean(),
        fc.constantFrom("", ":8080", ":"),
        fc.constantFrom("", "/", "/path/page", "?q=1", "#top", "/a?b=c#d"),
        fc.boolean(),
        fc.boolean(),
        (labels, suffix, scheme, www, port, rest, upperCase, trailingDot) => {
          const base = `${labels.join(".")}.${suffix}`;
          let decorated = `${scheme}${www ? "www." : ""}${base}${trailingDot ? "." : ""}${port}${rest}`;
          if (upperCase) {
            decorated = decorated.toUpperCase();
          }
          const expected = normaliseDomain(base);
          expect(expected).toBe(`${labels.at(-1)}.${suffix}`);
          expect(normaliseDomain(decorated)).toBe(expected);
        },
      ),
    );
  });
});

describe("normaliseHostname", () => {
  it("lower-cases and punycodes an exact hostname but keeps www", () => {
    expect(normaliseHostname("WWW.Acme.com")).toBe("www.acme.com");
    expect(normaliseHostname("bücher.de")).toBe("xn--bcher-kva.de");
    expect(normaliseHostname("acme.com.")).toBe("acme.com");
    expect(normaliseHostname("mail.ａｃｍｅ.com\u3002")).toBe("mail.acme.com");
  });

  it("maps compatibility characters as UTS #46 does, not by a separate NFKC pass", () => {
    // NFKC would turn U+03F2 into a final sigma; UTS #46 (and so every stored domain) into σ.
    expect(normaliseHostname("a\u03F2b.com")).toBe(normaliseHostname("a\u03C3b.com"));
    expect(normaliseHostname("a\u03F2b.com")).not.toBe(normaliseHostname("a\u03C2b.com"));
  });

  it.each([
    ["acme.com/x"],
    ["acme.com?x"],
    ["acme.com\\x"],
    ["ac%41me.com"],
    ["ac\tme.com"],
    ["a!b.com"],
    ["https://acme.com"],
    ["acme.com:80"],
    ["localhost"],
    ["1.2.3.4"],
    [""],
    ["."],
  ])("rejects %j", (input) => {
    expect(normaliseHostname(input)).toBeNull();
  });
});
