import { normaliseDomain, normaliseHostname } from "./domain";

const maxLocalPartLength = 64;
// RFC 5321 limits a forward path to 256 octets including the angle brackets.
const maxEmailLength = 254;
// RFC 5322 dot-atom: atext characters in dot-separated runs, no leading, trailing or double dots.
// Quoted local parts and non-ASCII local parts are deliberately not accepted.
const localPartPattern = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** The form used to match contacts by email: trimmed and lower-cased. */
export function normaliseEmail(input: string): string {
  return input.trim().toLowerCase();
}

/**
 * Whether `input` (taken exactly as given, not trimmed) is a plausible mailbox address:
 * `local@domain` with an ASCII dot-atom local part of at most 64 characters and a domain that is
 * a valid public hostname (IDN allowed; no IP literals, no trailing dot), 254 characters at most.
 */
export function isValidEmail(input: string): boolean {
  if (input.length > maxEmailLength) {
    return false;
  }
  const at = input.lastIndexOf("@");
  if (at <= 0) {
    return false;
  }
  const localPart = input.slice(0, at);
  const domain = input.slice(at + 1);
  if (localPart.length > maxLocalPartLength || !localPartPattern.test(localPart)) {
    return false;
  }
  if (domain.endsWith(".")) {
    return false;
  }
  return normaliseHostname(domain) !== null;
}

/**
 * The normalised domain of an email address (same form as normaliseDomain, so it can be compared
 * with an explicit `domain`), or null when there is no `@` or the part after it is not a valid
 * public hostname.
 */
export function emailDomainOf(email: string): string | null {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf("@");
  if (at === -1) {
    return null;
  }
  const domain = trimmed.slice(at + 1);
  // Only a bare hostname counts: normaliseDomain alone would also accept `acme.com/path`.
  if (domain === "" || /[/?#\\:@\s]/.test(domain)) {
    return null;
  }
  return normaliseDomain(domain);
}
