import { createHash } from "node:crypto";
import type { Logger } from "@upsert/config";
import type { ResilientProvider } from "@upsert/enrichment";
import type { Redis } from "@upsert/queue";

export interface AnswerCacheOptions {
  redis: Redis;
  prefix: string;
  /** How long an answer (a match or a no-match) is reused; 0 turns the cache off. */
  ttlS: number;
  logger: Logger;
}

/**
 * Reuses the provider's answers, in Redis and so across worker processes: a person by the whole
 * question (email or LinkedIn URL, and the name and company hints sent with it, since providers
 * use those to match and the answer can depend on them), a company by domain. Provider data is about the person or
 * company, not about an organisation, so one paid answer serves every org. A cache that cannot be
 * read or written is skipped, never an error.
 */
export function withAnswerCache(provider: ResilientProvider, options: AnswerCacheOptions): ResilientProvider {
  if (options.ttlS <= 0) return provider;
  const { redis, logger } = options;
  const keyOf = (kind: string, identity: string) =>
    `${options.prefix}:enrichment-cache:${provider.name}:${kind}:${createHash("sha256").update(identity).digest("hex")}`;

  async function cached<T>(
    kind: "person" | "company",
    identity: string | null,
    ask: () => Promise<T>,
    fresh: boolean | undefined,
  ): Promise<T> {
    if (!identity) return ask();
    const key = keyOf(kind, identity);
    // A fresh answer was asked for (re-enrichment): skip the read, keep the new answer.
    const hit = fresh ? null : await redis.get(key).catch(() => null);
    if (hit !== null) {
      logger.info(
        { provider: provider.name, [kind]: kind === "person" ? true : identity },
        "enrichment answered from cache",
      );
      return JSON.parse(hit) as T;
    }
    const answer = await ask();
    await redis.set(key, JSON.stringify(answer), "EX", options.ttlS).catch(() => undefined);
    return answer;
  }

  return {
    ...provider,
    enrichPerson: (query, callOptions) =>
      cached(
        "person",
        query.email || query.linkedinUrl
          ? JSON.stringify([
              query.email?.toLowerCase() ?? null,
              query.linkedinUrl,
              query.firstName,
              query.lastName,
              query.domain,
            ])
          : null,
        () => provider.enrichPerson(query, callOptions),
        callOptions?.fresh,
      ),
    enrichCompany: (domain, callOptions) =>
      cached("company", domain, () => provider.enrichCompany(domain, callOptions), callOptions?.fresh),
  };
}
