import { createRequire } from "node:module";
import freeEmailDomains from "free-email-domains";

let freeMailDomainSet: ReadonlySet<string> | undefined;

/**
 * Whether `domain` is a free-mail or disposable provider (gmail.com, mailinator.com,
 * 10minutemail.pl, …) per two maintained lists: free-email-domains (free-mail, some disposable) and
 * disposable-email-domains. Exact match after trimming, lower-casing and dropping a trailing dot:
 * a subdomain of a listed domain does not count unless it is listed itself.
 */
export function isFreeMailDomain(domain: string): boolean {
  // Built on first use, not at import: the lists have ~135k entries together.
  freeMailDomainSet ??= new Set(
    [...freeEmailDomains, ...loadDisposableDomains()].map((entry) => entry.toLowerCase()),
  );
  const normalised = domain.trim().toLowerCase().replace(/\.$/, "");
  return freeMailDomainSet.has(normalised);
}

/** The package is a bare JSON array (`index.json`), which ESM cannot import without attributes. */
function loadDisposableDomains(): string[] {
  return createRequire(import.meta.url)("disposable-email-domains") as string[];
}
