import { normaliseHostname, registrableDomainOf } from "./domain";

const maxLocalPartLength = 64;
// RFC 5321 limits a forward path to 256 octets including the angle brackets.
const maxEmailLength = 254;
// RFC 5322 dot-atom: atext characters in dot-separated runs, no leading, trailing or double dots.
// Quoted local parts and non-ASCII local parts are deliberately not accepted.
const localPartPattern = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/**
 * The form contacts are matched by (one mailbox, one form): the local part lower-cased, the domain
 * as normaliseHostname gives it (the same normalisation as a `domain` field: NFKC compatibility
 * forms such as fullwidth letters, the full-stop variants `。．｡` as dots, IDN as punycode, one
 * trailing dot dropped, lower case), but not reduced to its registrable part: `a@mail.acme.com`
 * and `a@acme.com` are different mailboxes. So `Dup@ａｃｍｅ。com`, `dup@bücher.de.` and
 * `dup@xn--bcher-kva.de` give `dup@acme.com` and `dup@xn--bcher-kva.de`.
 *
 * Surrounding whitespace is trimmed. Returns null when what remains is not a plausible address: an
 * ASCII dot-atom local part of at most 64 characters, `@`, and a domain that normaliseHostname
 * accepts (a public hostname; no IP literals), 254 characters at most as given.
 */
export function normaliseEmail(input: string): string | null {
  const trimmed = input.trim();
  if (trimmed.length > maxEmailLength) {
    return null;
  }
  const at = trimmed.lastIndexOf("@");
  if (at <= 0) {
    return null;
  }
  const localPart = trimmed.slice(0, at);
  if (localPart.length > maxLocalPartLength || !localPartPattern.test(localPart)) {
    return null;
  }
  const domain = normaliseHostname(trimmed.slice(at + 1));
  return domain === null ? null : `${localPart.toLowerCase()}@${domain}`;
}

/**
 * Whether `input` (taken exactly as given: surrounding whitespace makes it invalid) is an address
 * normaliseEmail can normalise. Defined through it, so validation and normalisation never disagree.
 */
export function isValidEmail(input: string): boolean {
  return input === input.trim() && normaliseEmail(input) !== null;
}

/**
 * The registrable domain of an email address (same form as normaliseDomain, so it can be compared
 * with an explicit `domain`): `jane@eu.acme.co.uk` → `acme.co.uk`. Null when normaliseEmail
 * rejects the address.
 */
export function emailDomainOf(email: string): string | null {
  const normalised = normaliseEmail(email);
  return normalised === null ? null : registrableDomainOf(normalised.slice(normalised.lastIndexOf("@") + 1));
}
