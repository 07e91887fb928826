import type { Logger } from "@upsert/config";
import {
  createApolloProvider,
  createBuiltinProvider,
  createPeopleDataLabsProvider,
  createWebhookProvider,
  type EnrichmentProvider,
  type ResilientProvider,
  withResilience,
} from "@upsert/enrichment";
import type { Redis } from "@upsert/queue";
import type { WorkerEnv } from "./config";
import { withAnswerCache } from "./enrichment-cache";
import { withRateLimit } from "./enrichment-quota";

/**
 * The configured provider, each of its calls logged, behind the shared rate limit, then
 * timeouts, retries and a breaker, then a cache of its answers.
 */
export function createEnrichmentProvider(env: WorkerEnv, logger: Logger, redis: Redis): ResilientProvider {
  const limited = withRateLimit(logCalls(selectProvider(env), logger), {
    redis,
    prefix: env.QUEUE_PREFIX,
    limit: env.ENRICHMENT_RATE_LIMIT,
    windowS: env.ENRICHMENT_RATE_WINDOW_S,
    maxWaitMs: env.ENRICHMENT_MAX_RETRY_AFTER_MS,
  });
  const provider = withResilience(limited, {
    timeoutMs: env.ENRICHMENT_TIMEOUT_MS,
    maxAttempts: env.ENRICHMENT_ATTEMPTS,
    backoffMs: env.ENRICHMENT_BACKOFF_MS,
    maxBackoffMs: env.ENRICHMENT_MAX_BACKOFF_MS,
    maxRetryAfterMs: env.ENRICHMENT_MAX_RETRY_AFTER_MS,
    breakerThreshold: env.ENRICHMENT_BREAKER_THRESHOLD,
    breakerHalfOpenAfterMs: env.ENRICHMENT_BREAKER_HALF_OPEN_MS,
  });
  const cached = withAnswerCache(provider, {
    redis,
    prefix: env.QUEUE_PREFIX,
    ttlS: env.ENRICHMENT_CACHE_TTL_S,
    logger,
  });
  provider.onBreakerChange((state) =>
    logger.warn({ provider: provider.name, breaker: state }, "enrichment circuit breaker changed state"),
  );
  return cached;
}

function selectProvider(env: WorkerEnv): EnrichmentProvider {
  switch (env.ENRICHMENT_PROVIDER) {
    case "pdl":
      return createPeopleDataLabsProvider({ apiKey: env.PDL_API_KEY ?? "", baseUrl: env.PDL_BASE_URL });
    case "apollo":
      return createApolloProvider({ apiKey: env.APOLLO_API_KEY ?? "", baseUrl: env.APOLLO_BASE_URL });
    case "webhook":
      return createWebhookProvider({
        url: env.ENRICHMENT_WEBHOOK_URL ?? "",
        secret: env.ENRICHMENT_WEBHOOK_SECRET,
      });
    case "builtin":
      return createBuiltinProvider({
        latencyMs: env.ENRICHMENT_LATENCY_MS,
        failureRate: env.ENRICHMENT_FAILURE_RATE,
      });
  }
}

/** One log line per call that reaches the provider (tests and operators count these). */
function logCalls(provider: EnrichmentProvider, logger: Logger): EnrichmentProvider {
  return {
    name: provider.name,
    enrichPerson: (query, options) => {
      logger.info({ provider: provider.name, person: true }, "enrichment provider called");
      return provider.enrichPerson(query, options);
    },
    enrichCompany: (domain, options) => {
      logger.info({ provider: provider.name, company: domain }, "enrichment provider called");
      return provider.enrichCompany(domain, options);
    },
  };
}
