const schemePattern = /^[a-z][a-z0-9+.-]*:\/\//i;
// linkedin.com itself, `www.` or a two-letter country subdomain (uk., de., …). Nothing else: a
// lookalike such as linkedin.com.evil.com must not become a LinkedIn identity.
const linkedinHostPattern = /^(?:(?:www|[a-z]{2})\.)?linkedin\.com$/;
const personProfilePathPattern = /^\/in\/([^/]+)\/?$/i;
// After decoding: letters, digits and combining marks of any script, hyphen and underscore.
// Excluding `/ ? # %` and whitespace keeps the canonical URL re-parseable to the same slug.
const slugPattern = /^[\p{L}\p{N}\p{M}_-]+$/u;

/**
 * Canonical form of a LinkedIn person profile URL: `https://linkedin.com/in/<slug>`, or null when
 * `input` is not one. Accepts http/https or no scheme, `www.` or a country subdomain, a trailing
 * slash, a query string and a fragment (both dropped).
 *
 * Percent-encoded slugs are decoded, then lower-cased and NFC-normalised, so
 * `/in/J%C3%B6rg` and `/in/jörg` give the same identity; the canonical URL carries the decoded
 * slug (an IRI) rather than re-encoding it.
 */
export function canonicaliseLinkedinUrl(input: string): string | null {
  const trimmed = input.trim();
  if (trimmed === "") {
    return null;
  }
  let withScheme: string;
  if (schemePattern.test(trimmed)) {
    withScheme = trimmed;
  } else if (trimmed.startsWith("//")) {
    withScheme = `https:${trimmed}`;
  } else {
    withScheme = `https://${trimmed}`;
  }

  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return null;
  }
  if (url.username !== "" || url.password !== "" || url.port !== "") {
    return null;
  }
  if (!linkedinHostPattern.test(url.hostname)) {
    return null;
  }

  const encodedSlug = personProfilePathPattern.exec(url.pathname)?.[1];
  if (encodedSlug === undefined) {
    return null;
  }
  let slug: string;
  try {
    slug = decodeURIComponent(encodedSlug).toLowerCase().normalize("NFC");
  } catch {
    return null;
  }
  if (!slugPattern.test(slug)) {
    return null;
  }
  return `https://linkedin.com/in/${slug}`;
}
