import { setTimeout as sleep } from "node:timers/promises";
import { type EnrichmentProvider, QuotaExceededError } from "@upsert/enrichment";
import type { Redis } from "@upsert/queue";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

// Redis-backed limits (rate-limiter-flexible). Keys live under the queue prefix, so every worker
// process of a deployment shares them.

/** While the quota store cannot be asked, nothing is spent: callers come back after this. */
const storeUnavailableRetryMs = 5_000;

export interface RateLimitOptions {
  redis: Redis;
  prefix: string;
  /** Calls to the provider per `windowS`, across all worker processes. */
  limit: number;
  windowS: number;
  /** A call waits inside the job for a free slot up to this long; beyond, it is refused. */
  maxWaitMs: number;
}

/**
 * The provider's rate limit, counted per call that would reach it (retries included). A call
 * waits for a free slot (without using up a retry attempt) when one comes soon, otherwise it
 * throws `QuotaExceededError`, which defers the enrichment.
 */
export function withRateLimit(provider: EnrichmentProvider, options: RateLimitOptions): EnrichmentProvider {
  if (options.limit <= 0) return provider;
  const limiter = new RateLimiterRedis({
    storeClient: options.redis,
    keyPrefix: `${options.prefix}:enrichment-rate`,
    points: options.limit,
    duration: options.windowS,
  });
  const message = `${provider.name}: rate limit of ${options.limit} calls per ${options.windowS} s reached`;
  async function takeSlot(): Promise<void> {
    const deadline = Date.now() + options.maxWaitMs;
    for (;;) {
      const waitMs = await consume(limiter, provider.name, 1);
      if (waitMs === 0) return;
      if (Date.now() + waitMs > deadline) throw new QuotaExceededError(message, waitMs);
      await sleep(waitMs + Math.random() * 50); // jitter: the waiters do not all wake at once
    }
  }
  return {
    name: provider.name,
    async enrichPerson(query, callOptions) {
      await takeSlot();
      return provider.enrichPerson(query, callOptions);
    },
    async enrichCompany(domain, callOptions) {
      await takeSlot();
      return provider.enrichCompany(domain, callOptions);
    },
  };
}

export interface OrgBudget {
  /** Takes `calls` from the org's budget at once: 0 when granted, else ms until it refills. */
  reserve(orgId: string, calls: number): Promise<number>;
  /** Gives back what a reservation did not use (the enrichment was deferred without its calls). */
  refund(orgId: string, calls: number): Promise<void>;
  readonly limit: number;
}

/**
 * Provider calls an organisation's enrichments may make per window. Reserved per enrichment (the
 * person and the company call together), so an exhausted budget never splits a pair and repeats
 * half of it later. Retries of failed calls are not charged.
 */
export function createOrgBudget(options: {
  redis: Redis;
  prefix: string;
  limit: number;
  windowS: number;
}): OrgBudget | undefined {
  if (options.limit <= 0) return undefined;
  const limiter = new RateLimiterRedis({
    storeClient: options.redis,
    keyPrefix: `${options.prefix}:enrichment-budget`,
    points: options.limit,
    duration: options.windowS,
  });
  return {
    limit: options.limit,
    reserve: (orgId, calls) => consume(limiter, orgId, calls),
    refund: async (orgId, calls) => {
      await limiter.reward(orgId, calls).catch(() => undefined);
    },
  };
}

/** 0 when the points were taken, else how long until they can be. */
async function consume(limiter: RateLimiterRedis, key: string, points: number): Promise<number> {
  try {
    await limiter.consume(key, points);
    return 0;
  } catch (err) {
    if (err instanceof RateLimiterRes) return Math.max(1, err.msBeforeNext);
    return storeUnavailableRetryMs;
  }
}
