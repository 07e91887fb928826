import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicaliseLinkedinUrl } from "./linkedin-url";

describe("canonicaliseLinkedinUrl", () => {
  it.each([
    ["https://linkedin.com/in/janesmith", "https://linkedin.com/in/janesmith"],
    ["https://www.linkedin.com/in/janesmith", "https://linkedin.com/in/janesmith"],
    ["http://www.linkedin.com/in/janesmith", "https://linkedin.com/in/janesmith"],
    ["https://uk.linkedin.com/in/janesmith", "https://linkedin.com/in/janesmith"],
    ["https://de.linkedin.com/in/janesmith/", "https://linkedin.com/in/janesmith"],
    ["https://www.linkedin.com/in/JaneSmith/", "https://linkedin.com/in/janesmith"],
    ["HTTPS://WWW.LINKEDIN.COM/IN/JANESMITH", "https://linkedin.com/in/janesmith"],
    ["linkedin.com/in/janesmith", "https://linkedin.com/in/janesmith"],
    ["www.linkedin.com/in/janesmith/", "https://linkedin.com/in/janesmith"],
    ["uk.linkedin.com/in/janesmith", "https://linkedin.com/in/janesmith"],
    ["//linkedin.com/in/janesmith", "https://linkedin.com/in/janesmith"],
    ["  https://linkedin.com/in/janesmith  ", "https://linkedin.com/in/janesmith"],
    ["https://www.linkedin.com/in/janesmith?trk=public_profile", "https://linkedin.com/in/janesmith"],
    [
      "https://www.linkedin.com/in/janesmith/?originalSubdomain=uk#about",
      "https://linkedin.com/in/janesmith",
    ],
    ["https://www.linkedin.com/in/janesmith#experience", "https://linkedin.com/in/janesmith"],
    ["https://linkedin.com:443/in/janesmith", "https://linkedin.com/in/janesmith"],
    ["https://linkedin.com/in/jane-smith-0a1b2c3", "https://linkedin.com/in/jane-smith-0a1b2c3"],
    ["https://linkedin.com/in/jane_smith", "https://linkedin.com/in/jane_smith"],
  ])("canonicalises %j", (input, expected) => {
    expect(canonicaliseLinkedinUrl(input)).toBe(expected);
  });

  it.each([
    ["https://linkedin.com/in/j%C3%B6rg", "https://linkedin.com/in/jörg"],
    ["https://linkedin.com/in/J%C3%96RG", "https://linkedin.com/in/jörg"],
    ["https://linkedin.com/in/jörg", "https://linkedin.com/in/jörg"],
    ["https://linkedin.com/in/%6A%61%6E%65", "https://linkedin.com/in/jane"],
    // Decomposed ö (o + combining diaeresis) gives the same identity as the composed one.
    ["https://linkedin.com/in/jo\u0308rg", "https://linkedin.com/in/jörg"],
    ["https://linkedin.com/in/%E5%BC%A0%E4%BC%9F", "https://linkedin.com/in/张伟"],
  ])("decodes the percent-encoded slug of %j", (input, expected) => {
    expect(canonicaliseLinkedinUrl(input)).toBe(expected);
  });

  it.each([
    [""],
    ["   "],
    ["janesmith"],
    ["https://linkedin.com"],
    ["https://linkedin.com/"],
    ["https://linkedin.com/in"],
    ["https://linkedin.com/in/"],
    ["https://linkedin.com/in//"],
    ["https://linkedin.com/company/acme"],
    ["https://linkedin.com/school/mit"],
    ["https://linkedin.com/pub/jane-smith/1/2/3"],
    ["https://linkedin.com/feed/"],
    ["https://linkedin.com/in/janesmith/details/experience"],
    ["https://linkedin.com/in/janesmith//"],
    ["https://linkedin.com/in/jane/smith"],
    ["https://linkedin.com/sales/in/janesmith"],
    ["https://linkedin.com.evil.com/in/janesmith"],
    ["https://evillinkedin.com/in/janesmith"],
    ["https://linkedin.co/in/janesmith"],
    ["https://www.uk.linkedin.com/in/janesmith"],
    ["https://mobile.linkedin.com/in/janesmith"],
    ["https://evil.com/?u=https://linkedin.com/in/janesmith"],
    ["https://evil.com/linkedin.com/in/janesmith"],
    ["https://user@linkedin.com/in/janesmith"],
    ["https://linkedin.com:8443/in/janesmith"],
    ["ftp://linkedin.com/in/janesmith"],
    ["javascript:alert(1)//linkedin.com/in/janesmith"],
    ["mailto:jane@linkedin.com"],
    ["https://linkedin.com/in/jane%2Fsmith"],
    ["https://linkedin.com/in/jane%3Fx"],
    ["https://linkedin.com/in/jane%20smith"],
    ["https://linkedin.com/in/jane smith"],
    ["https://linkedin.com/in/jane%E0%A4%A"],
    ["https://linkedin.com/in/%"],
    ["https://linkedin.com/in/jane.smith"],
    ["https://linkedin.com/in/.."],
    ["https://linkedin.com/in/%2E%2E"],
    ["https://linkedin.com/in/jane%00"],
  ])("rejects %j", (input) => {
    expect(canonicaliseLinkedinUrl(input)).toBeNull();
  });

  const slugArbitrary = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9-]{0,40}$/);
  const decoratedUrlArbitrary = fc.record({
    slug: slugArbitrary,
    scheme: fc.constantFrom("", "http://", "https://", "//"),
    host: fc.constantFrom("linkedin.com", "www.linkedin.com", "uk.linkedin.com", "de.linkedin.com"),
    trailingSlash: fc.boolean(),
    query: fc.constantFrom("", "?trk=abc", "?a=1&b=2"),
    fragment: fc.constantFrom("", "#about"),
  });
  const decorate = (parts: {
    slug: string;
    scheme: string;
    host: string;
    trailingSlash: boolean;
    query: string;
    fragment: string;
  }): string =>
    `${parts.scheme}${parts.host}/in/${parts.slug}${parts.trailingSlash ? "/" : ""}${parts.query}${parts.fragment}`;

  it("maps every decorated form of a profile URL to https://linkedin.com/in/<lower-case slug>", () => {
    fc.assert(
      fc.property(decoratedUrlArbitrary, (parts) => {
        expect(canonicaliseLinkedinUrl(decorate(parts))).toBe(
          `https://linkedin.com/in/${parts.slug.toLowerCase()}`,
        );
      }),
    );
  });

  it("is case-insensitive on the slug (and the rest of the URL)", () => {
    fc.assert(
      fc.property(decoratedUrlArbitrary, fc.boolean(), (parts, upper) => {
        const url = decorate(parts);
        const variant = upper ? url.toUpperCase() : url.toLowerCase();
        expect(canonicaliseLinkedinUrl(variant)).toBe(canonicaliseLinkedinUrl(url));
      }),
    );
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.webUrl(),
          decoratedUrlArbitrary.map(decorate),
          fc.string({ unit: "grapheme" }).map((slug) => `https://linkedin.com/in/${slug}`),
          fc.string({ unit: "binary" }).map((slug) => `linkedin.com/in/${encodeURIComponent(slug)}`),
        ),
        (input) => {
          const once = canonicaliseLinkedinUrl(input);
          if (once !== null) {
            expect(canonicaliseLinkedinUrl(once)).toBe(once);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});
