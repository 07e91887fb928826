import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  DelegateBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from "cockatiel";
import { type CallOptions, EnrichmentError, type EnrichmentProvider, QuotaExceededError } from "./provider";

export interface ResilienceOptions {
  /** Each provider call is abandoned after this long (and counts as a retryable failure). */
  timeoutMs: number;
  /** Calls per enrichment, the first included. */
  maxAttempts: number;
  /** Delay before the first retry; it doubles each time, with full jitter, up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** A 429 asking us to wait longer than this is not retried in the job: the job is deferred. */
  maxRetryAfterMs: number;
  /** Consecutive failed calls that open the breaker. */
  breakerThreshold: number;
  /** How long the breaker stays open before one trial call is let through. */
  breakerHalfOpenAfterMs: number;
  random?: () => number;
}

export type BreakerState = "closed" | "open" | "half-open";

/** What the resilience layer has seen of one provider since the process started. */
export interface ProviderStats {
  provider: string;
  breaker: BreakerState;
  calls: number;
  succeeded: number;
  noMatch: number;
  failed: number;
  timedOut: number;
  rateLimited: number;
  /** Calls the open breaker refused without reaching the provider. */
  shortCircuited: number;
  /** Calls our own rate limit or an org's budget held back. */
  deferredByQuota: number;
  latencyMsTotal: number;
  latencyMsMax: number;
}

export interface ResilientProvider extends EnrichmentProvider {
  stats(): ProviderStats;
  /** Called with the new state whenever the breaker opens, half-opens or closes. */
  onBreakerChange(listener: (state: BreakerState) => void): void;
}

const stateNames: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half-open",
  [CircuitState.Isolated]: "open",
};

/**
 * Wraps a provider in cockatiel policies, outermost first: retry (exponential backoff with full
 * jitter, or the provider's `Retry-After`), a circuit breaker shared by all its calls in this
 * process, and a timeout per call. Only retryable failures (network, 5xx, 429, timeouts) are
 * retried or count against the breaker; "no match" is a success. What still fails surfaces as an
 * `EnrichmentError` whose `retryable` tells the worker to defer the enrichment rather than drop it.
 */
export function withResilience(provider: EnrichmentProvider, options: ResilienceOptions): ResilientProvider {
  const random = options.random ?? Math.random;
  const stats: ProviderStats = {
    provider: provider.name,
    breaker: "closed",
    calls: 0,
    succeeded: 0,
    noMatch: 0,
    failed: 0,
    timedOut: 0,
    rateLimited: 0,
    shortCircuited: 0,
    deferredByQuota: 0,
    latencyMsTotal: 0,
    latencyMsMax: 0,
  };
  const isTransient = (err: unknown) =>
    err instanceof TaskCancelledError || (err instanceof EnrichmentError && err.retryable);

  const breaker = circuitBreaker(
    handleWhen((err) => isTransient(err) && !(err instanceof QuotaExceededError)),
    {
      breaker: new ConsecutiveBreaker(options.breakerThreshold),
      halfOpenAfter: options.breakerHalfOpenAfterMs,
    },
  );
  const listeners: ((state: BreakerState) => void)[] = [];
  breaker.onStateChange((state) => {
    stats.breaker = stateNames[state];
    for (const listener of listeners) listener(stats.breaker);
  });
  const retryPolicy = retry(
    handleWhen(
      (err) =>
        isTransient(err) &&
        !(err instanceof BrokenCircuitError) &&
        ((err as EnrichmentError).retryAfterMs ?? 0) <= options.maxRetryAfterMs,
    ),
    {
      maxAttempts: options.maxAttempts - 1,
      backoff: new DelegateBackoff((context) => {
        const err = "error" in context.result ? context.result.error : undefined;
        if (err instanceof EnrichmentError && err.retryAfterMs !== undefined) return err.retryAfterMs;
        const ceiling = Math.min(options.maxBackoffMs, options.backoffMs * 2 ** (context.attempt - 1));
        return random() * ceiling;
      }),
    },
  );
  const timeoutPolicy = timeout(options.timeoutMs, TimeoutStrategy.Aggressive);
  timeoutPolicy.onTimeout(() => {
    stats.timedOut += 1;
  });
  const policy = wrap(retryPolicy, breaker, timeoutPolicy);

  /** One call that reached the provider, and how it went. */
  function record(started: number, outcome: "succeeded" | "noMatch" | "failed" | "rateLimited") {
    const ms = performance.now() - started;
    stats.calls += 1;
    stats[outcome] += 1;
    if (outcome === "rateLimited") stats.failed += 1;
    stats.latencyMsTotal += ms;
    stats.latencyMsMax = Math.max(stats.latencyMsMax, ms);
  }

  async function call<T>(work: (signal: AbortSignal) => Promise<T>, callOptions?: CallOptions): Promise<T> {
    try {
      return await policy.execute(async ({ signal }) => {
        const started = performance.now();
        try {
          const answer = await work(signal);
          record(started, answer === null ? "noMatch" : "succeeded");
          return answer;
        } catch (err) {
          if (err instanceof QuotaExceededError) stats.deferredByQuota += 1;
          else
            record(
              started,
              err instanceof EnrichmentError && err.retryAfterMs !== undefined ? "rateLimited" : "failed",
            );
          throw err;
        }
      }, callOptions?.signal);
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        stats.shortCircuited += 1;
        throw new EnrichmentError(
          `${provider.name}: circuit open after repeated failures; not calling`,
          true,
          options.breakerHalfOpenAfterMs,
        );
      }
      if (err instanceof TaskCancelledError && !callOptions?.signal?.aborted) {
        throw new EnrichmentError(`${provider.name}: no answer within ${options.timeoutMs} ms`, true);
      }
      throw err;
    }
  }

  return {
    name: provider.name,
    enrichPerson: (query, callOptions) =>
      call((signal) => provider.enrichPerson(query, { ...callOptions, signal }), callOptions),
    enrichCompany: (domain, callOptions) =>
      call((signal) => provider.enrichCompany(domain, { ...callOptions, signal }), callOptions),
    stats: () => ({ ...stats }),
    onBreakerChange: (listener) => {
      listeners.push(listener);
    },
  };
}
