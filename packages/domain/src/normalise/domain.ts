import { domainToASCII } from "node:url";
import { parse } from "tldts";
import { memoiseNormaliser } from "./memoise";

const maxHostnameLength = 253;
// Letters, digits and inner hyphens only (RFC 1123); punycode labels (`xn--…`) fit this too.
const hostnameLabelPattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const schemePrefixPattern = /^[a-z][a-z0-9+.-]*:\/\//i;

// The label separators of UTS #46 besides `.`: ideographic, fullwidth and halfwidth full stops.
const fullStopVariantPattern = /[\u3002\uFF0E\uFF61]/g;

/**
 * Normalises an exact hostname (no scheme, path or port) by UTS #46 processing, as
 * `domainToASCII` (the WHATWG URL host parser) does it: compatibility mapping (NFKC, so fullwidth
 * `ａｃｍｅ` is `acme`), case folding, the full-stop variants as dots, IDN to punycode; then one
 * trailing dot dropped. Returns null unless it is a syntactically valid hostname under a known
 * ICANN public suffix with a registrable label of its own (so `localhost`, `foo`, `co.uk`,
 * `acme.internal` and IP addresses are all null). Does not strip `www.`.
 *
 * No separate `normalize("NFKC")` pass: UTS #46's mapping already is NFKC with case folding, and
 * the two disagree on a few characters (U+03F2 `ϲ`: NFKC gives final sigma, UTS #46 `σ`), where an
 * extra pass would change the punycode of stored account domains.
 */
export const normaliseHostname = memoiseNormaliser(hostnameOf);

function hostnameOf(input: string): string | null {
  // Mapped before the trailing dot is looked for, so `acme.com。` loses its dot like `acme.com.`.
  const dotted = input.replace(fullStopVariantPattern, ".");
  const withoutTrailingDot = dotted.endsWith(".") ? dotted.slice(0, -1) : dotted;
  if (withoutTrailingDot === "" || !hasOnlyHostnameAscii(withoutTrailingDot)) {
    return null;
  }
  // domainToASCII lower-cases, applies UTS #46 mapping and returns "" for what it cannot encode.
  const ascii = domainToASCII(withoutTrailingDot);
  if (ascii === "" || ascii.length > maxHostnameLength) {
    return null;
  }
  if (!ascii.split(".").every((label) => hostnameLabelPattern.test(label))) {
    return null;
  }
  const parsed = parse(ascii);
  if (parsed.isIp === true || parsed.isIcann !== true || parsed.domain === null) {
    return null;
  }
  return ascii;
}

/**
 * ASCII characters other than letters, digits, `-` and `.` never belong in a hostname. Checked up
 * front because domainToASCII parses like a URL host: it would cut `acme.com/x` to `acme.com`,
 * drop tabs and decode `%41`. Non-ASCII characters are left to its IDN mapping.
 */
function hasOnlyHostnameAscii(input: string): boolean {
  for (const character of input) {
    if (character.charCodeAt(0) < 0x80 && !/^[A-Za-z0-9.-]$/.test(character)) {
      return false;
    }
  }
  return true;
}

/**
 * Normalises a company domain given as a hostname or URL-ish text (`https://www.Acme.com:443/x?y`)
 * to its registrable domain: strips scheme, path, query, fragment, port and a trailing dot;
 * lower-cases; converts IDN to punycode; then keeps only the registrable part per the public
 * suffix list (tldts), so `www.eu.acme.co.uk` → `acme.co.uk` and `mail.acme.com` → `acme.com`.
 * Private suffixes count (`foo.github.io` stays: each such site is its own organisation). Returns
 * null when what remains is not a valid public hostname (see normaliseHostname).
 * Input with user info (`user@host`) is rejected: in a domain field that is almost always an email
 * address sent by mistake, and guessing would attach the contact to the wrong account.
 */
export function normaliseDomain(input: string): string | null {
  let host = input.trim();
  if (schemePrefixPattern.test(host)) {
    host = host.replace(schemePrefixPattern, "");
  } else if (host.startsWith("//")) {
    host = host.slice(2);
  }
  const endOfHost = host.search(/[/?#\\]/);
  if (endOfHost !== -1) {
    host = host.slice(0, endOfHost);
  }
  if (host.includes("@")) {
    return null;
  }
  host = host.replace(/:\d*$/, "");
  if (host.includes(":")) {
    return null;
  }
  const hostname = normaliseHostname(host);
  return hostname === null ? null : registrableDomainOf(hostname);
}

/**
 * The registrable part of a normalised hostname (a normaliseHostname result) per the public
 * suffix list, private suffixes included: `www.eu.acme.co.uk` → `acme.co.uk`.
 */
export const registrableDomainOf = memoiseNormaliser(
  (hostname: string): string => parse(hostname, { allowPrivateDomains: true }).domain ?? hostname,
);
