import type { Prisma } from "@upsert/db";
import type { BreakerState, ProviderStats } from "@upsert/enrichment";
import type { JobProducer } from "@upsert/queue";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { DeferralCause, RunOutcome } from "./processors/request-job.processor";

export interface WorkerMetrics {
  registry: Registry;
  /** One run of a request job ended. */
  observeRun(queue: string, outcome: RunOutcome, seconds: number): void;
  observeDeferral(cause: DeferralCause): void;
  /** How many jobs of `queue` this process may run at once now. */
  observeConcurrency(queue: string, limit: number): void;
}

const breakerValues: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };

/**
 * Prometheus metrics of one worker process (prom-client): job runs, enrichment provider calls,
 * breaker and quota, queue depths, and the backlog the intake log shows. Provider figures are read
 * from the resilience layer's counters at scrape time; queue and backlog figures are queried then
 * (a query that fails leaves the last value).
 */
export function createWorkerMetrics(deps: {
  prisma: Prisma;
  provider: { stats(): ProviderStats };
  queues: { name: string; producer: Pick<JobProducer, "countByState"> }[];
}): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const runs = new Counter({
    name: "upsert_job_runs_total",
    help: "Runs of request jobs, by queue and how they ended.",
    labelNames: ["queue", "outcome"],
    registers: [registry],
  });
  const runSeconds = new Histogram({
    name: "upsert_job_run_duration_seconds",
    help: "How long one run of a request job took.",
    labelNames: ["queue"],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const deferrals = new Counter({
    name: "upsert_enrichment_deferrals_total",
    help: "Enrichments deferred, by cause: the provider unavailable, or the organisation's budget spent.",
    labelNames: ["cause"],
    registers: [registry],
  });

  const concurrency = new Gauge({
    name: "upsert_worker_concurrency",
    help: "Jobs this process may run at once, by queue (the write queue's is adaptive by default).",
    labelNames: ["queue"],
    registers: [registry],
  });

  /** A counter whose value is read from `read` at scrape time (the source counts since start). */
  const readCounter = (name: string, help: string, labelNames: string[], read: (set: SetFn) => void) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        read((labels, value) => this.inc(labels, value));
      },
    });
  readCounter(
    "upsert_enrichment_provider_calls_total",
    "Calls that reached the enrichment provider, by outcome (rate_limited: it answered 429).",
    ["provider", "outcome"],
    (set) => {
      const stats = deps.provider.stats();
      set({ provider: stats.provider, outcome: "succeeded" }, stats.succeeded);
      set({ provider: stats.provider, outcome: "no_match" }, stats.noMatch);
      set({ provider: stats.provider, outcome: "failed" }, stats.failed - stats.rateLimited);
      set({ provider: stats.provider, outcome: "rate_limited" }, stats.rateLimited);
    },
  );
  readCounter(
    "upsert_enrichment_provider_timeouts_total",
    "Provider calls abandoned at the timeout (also counted as failed calls).",
    ["provider"],
    (set) => set({ provider: deps.provider.stats().provider }, deps.provider.stats().timedOut),
  );
  readCounter(
    "upsert_enrichment_provider_short_circuited_total",
    "Calls the open circuit breaker refused without reaching the provider.",
    ["provider"],
    (set) => set({ provider: deps.provider.stats().provider }, deps.provider.stats().shortCircuited),
  );
  readCounter(
    "upsert_enrichment_provider_rate_limit_refusals_total",
    "Calls the shared rate limit held back.",
    ["provider"],
    (set) => set({ provider: deps.provider.stats().provider }, deps.provider.stats().deferredByQuota),
  );
  readCounter(
    "upsert_enrichment_provider_latency_seconds_total",
    "Time spent in provider calls (divide by the calls for the mean).",
    ["provider"],
    (set) => set({ provider: deps.provider.stats().provider }, deps.provider.stats().latencyMsTotal / 1_000),
  );
  new Gauge({
    name: "upsert_enrichment_provider_latency_seconds_max",
    help: "The slowest provider call since the process started.",
    labelNames: ["provider"],
    registers: [registry],
    collect() {
      const stats = deps.provider.stats();
      this.set({ provider: stats.provider }, stats.latencyMsMax / 1_000);
    },
  });
  new Gauge({
    name: "upsert_enrichment_breaker_state",
    help: "The provider's circuit breaker in this process: 0 closed, 1 half-open, 2 open.",
    labelNames: ["provider"],
    registers: [registry],
    collect() {
      const stats = deps.provider.stats();
      this.set({ provider: stats.provider }, breakerValues[stats.breaker]);
    },
  });
  new Gauge({
    name: "upsert_queue_jobs",
    help: "Jobs in Redis, by queue and state.",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      for (const { name, producer } of deps.queues) {
        const counts = await producer.countByState().catch(() => null);
        for (const [state, count] of Object.entries(counts ?? {})) this.set({ queue: name, state }, count);
      }
    },
  });
  new Gauge({
    name: "upsert_requests_unfinished",
    help: "Accepted requests not yet written or failed (the intake log's backlog).",
    registers: [registry],
    async collect() {
      const count = await deps.prisma.intakeRequest
        .count({ where: { status: { in: ["queued", "running"] } } })
        .catch(() => null);
      if (count !== null) this.set(count);
    },
  });
  new Gauge({
    name: "upsert_enrichment_owed_requests",
    help: "Written requests whose enrichment job has not finished.",
    registers: [registry],
    async collect() {
      const count = await deps.prisma.intakeRequest
        .count({ where: { enrichmentDueAt: { not: null } } })
        .catch(() => null);
      if (count !== null) this.set(count);
    },
  });

  return {
    registry,
    observeRun(queue, outcome, seconds) {
      runs.inc({ queue, outcome });
      runSeconds.observe({ queue }, seconds);
    },
    observeDeferral(cause) {
      deferrals.inc({ cause });
    },
    observeConcurrency(queue, limit) {
      concurrency.set({ queue }, limit);
    },
  };
}

type SetFn = (labels: Record<string, string>, value: number) => void;
