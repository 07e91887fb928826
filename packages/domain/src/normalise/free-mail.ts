import freeEmailDomains from "free-email-domains";

let freeMailDomainSet: ReadonlySet<string> | undefined;

/**
 * Whether `domain` is a free-mail or disposable provider (gmail.com, mailinator.com, …) per the
 * free-email-domains list. Exact match after trimming, lower-casing and dropping a trailing dot:
 * a subdomain of a listed domain does not count unless it is listed itself.
 */
export function isFreeMailDomain(domain: string): boolean {
  // Built on first use, not at import: the list has ~14k entries.
  freeMailDomainSet ??= new Set(freeEmailDomains.map((entry) => entry.toLowerCase()));
  const normalised = domain.trim().toLowerCase().replace(/\.$/, "");
  return freeMailDomainSet.has(normalised);
}
