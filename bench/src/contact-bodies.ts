/** Accounts every drain's known-domain creates attach to (created by the warm-up). */
export const knownDomainCount = 50;

const freeMailDomains = ["gmail.com", "outlook.com", "yahoo.com"];

export function knownDomain(k: number): string {
  return `known${k}-bench.com`;
}

/**
 * The i-th person of a batch `tag` (lower-case letters, digits, dashes). With `knownDomains`, a
 * quarter work at a company seen for the first time (a new account, enriched), a quarter at one of
 * the known companies, half use free mail (no account); without, half and half new / free mail,
 * so nothing they are keyed by is shared with another batch.
 */
export function personEmail(tag: string, i: number, options: { knownDomains: boolean }): string {
  const slot = options.knownDomains ? i % 4 : (i % 2) * 2;
  if (slot === 0) return `p${i}@${tag}-co${i}.com`;
  if (slot === 1) return `${tag}.p${i}@${knownDomain(i % knownDomainCount)}`;
  return `${tag}.p${i}@${freeMailDomains[i % freeMailDomains.length]}`;
}

/** A create: the person's first request. */
export function createBody(email: string, i: number): string {
  return JSON.stringify({ email, first_name: `First${i}`, last_name: `Last${i}`, title: "Engineer" });
}

/** An update of the same person: new values for two fields. */
export function updateBody(email: string, i: number): string {
  return JSON.stringify({ email, title: `Director ${i % 7}`, location: "Oslo" });
}

export function createBodies(tag: string, count: number, options: { knownDomains: boolean }): string[] {
  return Array.from({ length: count }, (_, i) => createBody(personEmail(tag, i, options), i));
}

export function updateBodies(tag: string, count: number, options: { knownDomains: boolean }): string[] {
  return Array.from({ length: count }, (_, i) => updateBody(personEmail(tag, i, options), i));
}

/** Warm-up people: with `knownDomains`, first one at each known company (creating its account). */
export function warmupEmails(tag: string, count: number, options: { knownDomains: boolean }): string[] {
  const known = options.knownDomains ? knownDomainCount : 0;
  return Array.from({ length: Math.max(count, known) }, (_, i) =>
    i < known
      ? `${tag}.w${i}@${knownDomain(i)}`
      : `${tag}.w${i}@${freeMailDomains[i % freeMailDomains.length]}`,
  );
}
