import { createHash } from "node:crypto";
import type { Logger } from "@upsert/config";
import { canonicaliseLinkedinUrl, normaliseEmail } from "@upsert/domain";
import type { PersonQuery, ResilientProvider } from "@upsert/enrichment";
import type { Redis } from "@upsert/queue";

export interface AnswerCacheOptions {
  redis: Redis;
  prefix: string;
  /** How long an answer (a match or a no-match) is reused; 0 turns the cache off. */
  ttlS: number;
  logger: Logger;
}

/** Where one organisation's cached answers and their identity indexes live. */
export interface AnswerCacheLocation {
  redis: Redis;
  prefix: string;
}

/** The identities a person's cached answers are filed under (either may be absent). */
export interface PersonIdentity {
  email?: string | null;
  linkedinUrl?: string | null;
}

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

// Keys: `<prefix>:enrichment-cache:<org>:…`. Answers are `…:<provider>:person|company:<sha256 of
// the question>`; `…:by-email:<sha256>` and `…:by-linkedin:<sha256>` are sets of the person
// answer keys asked with that identity, so an erasure finds them without scanning the keyspace.
// Identities are hashed, so no email or URL appears in a key name.
const orgBase = (prefix: string, orgId: string) => `${prefix}:enrichment-cache:${orgId}`;

function identityIndexKeys(base: string, identity: PersonIdentity): string[] {
  const keys: string[] = [];
  if (identity.email) {
    // Emails reach here from stored requests, so they normalise; the raw form is a safe fallback.
    const email = normaliseEmail(identity.email) ?? identity.email.trim().toLowerCase();
    keys.push(`${base}:by-email:${sha256(email)}`);
  }
  if (identity.linkedinUrl) {
    const url = canonicaliseLinkedinUrl(identity.linkedinUrl) ?? identity.linkedinUrl;
    keys.push(`${base}:by-linkedin:${sha256(url)}`);
  }
  return keys;
}

/** The whole question: providers match on the name and company hints too, so answers can differ. */
function personQuestion(query: PersonQuery): string | null {
  if (!query.email && !query.linkedinUrl) return null;
  return JSON.stringify([
    query.email ? normaliseEmail(query.email) : null,
    query.linkedinUrl,
    query.firstName,
    query.lastName,
    query.domain,
  ]);
}

/**
 * Reuses the provider's answers, in Redis and so across worker processes, within one
 * organisation: an answer obtained for one org is never served to another (it is personal data
 * that org's request caused us to fetch). A person is cached by the whole question, a company by
 * domain. A call without an `orgId` is not cached. Person answers are indexed by email and
 * LinkedIn URL for purgeCachedAnswers. A cache that cannot be read or written is skipped, never
 * an error.
 */
export function withAnswerCache(provider: ResilientProvider, options: AnswerCacheOptions): ResilientProvider {
  if (options.ttlS <= 0) return provider;
  const { redis, logger, ttlS } = options;

  async function cached<T>(
    orgId: string | undefined,
    kind: "person" | "company",
    question: string | null,
    indexes: (base: string) => string[],
    ask: () => Promise<T>,
    fresh: boolean | undefined,
  ): Promise<T> {
    if (!orgId || !question) return ask();
    const base = orgBase(options.prefix, orgId);
    const key = `${base}:${provider.name}:${kind}:${sha256(question)}`;
    // A fresh answer was asked for (re-enrichment): skip the read, keep the new answer.
    const hit = fresh ? null : await redis.get(key).catch(() => null);
    if (hit !== null) {
      logger.info(
        { provider: provider.name, orgId, [kind]: kind === "person" ? true : question },
        "enrichment answered from cache",
      );
      return JSON.parse(hit) as T;
    }
    const answer = await ask();
    const write = redis.multi().set(key, JSON.stringify(answer), "EX", ttlS);
    // An index outlives none of its answers: its expiry moves with every answer added to it.
    for (const index of indexes(base)) write.sadd(index, key).expire(index, ttlS);
    await write.exec().catch(() => undefined);
    return answer;
  }

  return {
    ...provider,
    enrichPerson: (query, callOptions) =>
      cached(
        callOptions?.orgId,
        "person",
        personQuestion(query),
        (base) => identityIndexKeys(base, query),
        () => provider.enrichPerson(query, callOptions),
        callOptions?.fresh,
      ),
    enrichCompany: (domain, callOptions) =>
      cached(
        callOptions?.orgId,
        "company",
        domain,
        () => [],
        () => provider.enrichCompany(domain, callOptions),
        callOptions?.fresh,
      ),
  };
}

/**
 * Deletes every cached provider answer about a person in one organisation, found by email or
 * LinkedIn URL (any question asked with either, for any provider), and returns how many answers
 * it deleted. For erasure: a few reads of that person's index sets, never a scan. An enrichment
 * call already in flight may still cache its answer afterwards, so purge once the person's
 * enrichment can no longer run.
 */
export async function purgeCachedAnswers(
  cache: AnswerCacheLocation,
  orgId: string,
  identity: PersonIdentity,
): Promise<number> {
  const indexes = identityIndexKeys(orgBase(cache.prefix, orgId), identity);
  if (indexes.length === 0) return 0;
  const members = await Promise.all(indexes.map((index) => cache.redis.smembers(index)));
  const answers = [...new Set(members.flat())];
  const removal = cache.redis.multi();
  if (answers.length > 0) removal.del(...answers);
  removal.del(...indexes);
  const results = await removal.exec();
  const deleted = answers.length > 0 ? results?.[0]?.[1] : 0;
  return typeof deleted === "number" ? deleted : 0;
}
