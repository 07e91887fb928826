import { emailDomainOf, normaliseEmail } from "../normalise/email";
import { isFreeMailDomain } from "../normalise/free-mail";
import type { ContactRecord } from "./contact-record";
import type { UpsertContactPayload } from "./upsert-payload";

export function emailKeyOf(emailNormalized: string): string {
  return `email:${emailNormalized}`;
}

export function linkedinKeyOf(linkedinUrl: string): string {
  return `linkedin:${linkedinUrl}`;
}

/**
 * The key of a stored contact by its id: every request addressed to the contact (PATCH, DELETE)
 * has it, and every upsert that matches the contact locks and checks it, so the two are ordered
 * whatever identifiers the contact has by then.
 */
export function contactIdKeyOf(contactId: string): string {
  return `contact:${contactId}`;
}

/** The key of a stored account by its id (PATCH, DELETE; account upserts that find it). */
export function accountIdKeyOf(accountId: string): string {
  return `account-id:${accountId}`;
}

export function domainKeyOf(domain: string): string {
  return `domain:${domain}`;
}

/**
 * Keys of a `PUT /v1/accounts` request: its domain's lock (shared with contact requests that may
 * create that account) and `account:<domain>`, which orders account upserts among themselves.
 * Contact requests never wait on account upserts, nor these on them (domains do not order).
 */
export function accountUpsertKeysOf(domain: string): string[] {
  return [`account:${domain}`, domainKeyOf(domain)];
}

/**
 * The domain an email can resolve an account through, or null for free-mail (gmail.com must never
 * become everyone's account). Shared by key computation and account resolution so the two agree.
 */
export function accountDomainOfEmail(email: string | null | undefined): string | null {
  if (email === null || email === undefined) return null;
  const domain = emailDomainOf(email);
  return domain !== null && !isFreeMailDomain(domain) ? domain : null;
}

/**
 * Keys that two requests must share to be ordered against each other (stored on the intake row,
 * locked by the worker): every identifier the request can match by, and every domain it can
 * resolve or create an account through. Sorted and unique, so locks are always taken in the same
 * order.
 */
export function identityKeysOf(payload: UpsertContactPayload): string[] {
  const keys = new Set<string>();
  if (typeof payload.email === "string") {
    const normalised = normaliseEmail(payload.email);
    if (normalised !== null) keys.add(emailKeyOf(normalised));
    const emailDomain = accountDomainOfEmail(payload.email);
    if (emailDomain !== null) keys.add(domainKeyOf(emailDomain));
  }
  if (typeof payload.linkedin_url === "string" && payload.linkedin_url !== "") {
    keys.add(linkedinKeyOf(payload.linkedin_url));
  }
  if (typeof payload.domain === "string" && payload.domain !== "") {
    keys.add(domainKeyOf(payload.domain));
  }
  return [...keys].sort();
}

/** The identifiers a stored contact can be matched by (sorted). */
export function identityKeysOfContact(contact: ContactRecord): string[] {
  const keys: string[] = [];
  if (contact.emailNormalized !== null) keys.push(emailKeyOf(contact.emailNormalized));
  if (contact.linkedinUrl !== null) keys.push(linkedinKeyOf(contact.linkedinUrl));
  return keys.sort();
}

/**
 * The keys that order requests among themselves: every identity key but `domain:` ones, which are
 * locked (one account per domain) but do not order (which request creates a domain's account does
 * not change the final state). The database's ordering index keeps the same subset.
 */
export function orderingKeysOf(keys: readonly string[]): string[] {
  return keys.filter((key) => !key.startsWith("domain:"));
}
