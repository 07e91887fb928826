import { type HttpStandIn, sendJson, startHttpStandIn, waitFor } from "@upsert/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Stack, startStack } from "./testing/start-stack";
import { answerWebhookLikeBuiltin } from "./testing/webhook-answers";

// Issue 5: the enrichment provider (a webhook stand-in, a real HTTP server) is down for a while
// under load. No upsert fails; the breaker opens, so the provider is spared; enrichment waits as
// `pending` and completes once the provider is back.
const outageMs = Number(process.env.PROVIDER_OUTAGE_MS ?? 30_000);
const halfOpenMs = 2_000;
const threshold = 5;
const concurrency = 20;
let stack: Stack;
let provider: HttpStandIn;
let down = true;

beforeAll(async () => {
  provider = await startHttpStandIn((req, res) =>
    down ? sendJson(res, 503, { error: "maintenance" }) : answerWebhookLikeBuiltin(req, res),
  );
  stack = await startStack({
    workers: 2,
    workerEnv: {
      ENRICHMENT_PROVIDER: "webhook",
      ENRICHMENT_WEBHOOK_URL: `${provider.url}/enrich`,
      ENRICHMENT_ATTEMPTS: "2",
      ENRICHMENT_BACKOFF_MS: "100",
      ENRICHMENT_TIMEOUT_MS: "2000",
      ENRICHMENT_BREAKER_THRESHOLD: String(threshold),
      ENRICHMENT_BREAKER_HALF_OPEN_MS: String(halfOpenMs),
      ENRICHMENT_CONCURRENCY: String(concurrency),
      PROVIDER_STATS_INTERVAL_MS: "1000",
    },
  });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await provider?.close();
});

it("provider down under load: nothing fails, the breaker spares it, everything ends enriched", async () => {
  const outageEnds = Date.now() + outageMs;
  const jobs: string[] = [];
  for (let i = 0; i < 100; i += 1) {
    const { status, jobId } = await stack.put({
      email: `person${i}@company${i % 10}.com`,
      first_name: `P${i}`,
    });
    expect(status).toBe(202);
    jobs.push(jobId);
  }
  // During the outage: the upserts have succeeded, their contacts exist and say enrichment is
  // pending (the enrichment jobs are deferred, not failed).
  const first = await waitFor(
    async () => {
      const job = await stack.job(jobs[0] ?? "");
      return job.result?.contact_id ? job : null;
    },
    { timeoutMs: 20_000, intervalMs: 200, message: "the first contact was never written" },
  );
  expect(first.status).toBe("succeeded");
  expect(first.result).toMatchObject({ action: "created", enrichment: "pending" });
  const contact = await stack.call<{ data: { first_name: string; enrichment: { status: string } } }>(
    "GET",
    `/v1/contacts/${first.result?.contact_id}`,
  );
  expect(contact.body.data).toMatchObject({ first_name: "P0", enrichment: { status: "pending" } });
  await waitFor(() => logged("open"), {
    timeoutMs: 20_000,
    intervalMs: 100,
    message: "the breaker never opened",
  });

  await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageEnds - Date.now())));
  const callsDuringOutage = provider.requests.length;
  down = false;
  await stack.drain(120_000);

  const rows = await stack.db.prisma.intakeRequest.findMany({ select: { status: true, result: true } });
  expect(rows.map((r) => r.status)).toEqual(rows.map(() => "succeeded"));
  expect(rows.map((r) => (r.result as { enrichment: string }).enrichment)).toEqual(rows.map(() => "applied"));
  expect(await stack.db.prisma.contact.count({ where: { enrichmentStatus: "applied" } })).toBe(100);
  expect(await stack.db.prisma.account.count({ where: { enrichmentStatus: "applied" } })).toBe(10);
  expect(logged("closed")).toBe(true);
  // Operators see it too: the periodic provider stats count the calls the breaker spared.
  await waitFor(() => latestStats().some((stats) => stats.shortCircuited > 0 && stats.breaker === "closed"), {
    timeoutMs: 5_000,
    intervalMs: 200,
    message: "no provider stats line showed the short-circuited calls",
  });

  // And in the workers' metrics: the breaker closed again, the calls it spared, the deferrals,
  // every call counted by outcome, and no enrichment owed any more.
  expect(await stack.metric("upsert_enrichment_breaker_state")).toBe(0);
  expect(await stack.metric("upsert_enrichment_provider_short_circuited_total")).toBeGreaterThan(0);
  expect(await stack.metric("upsert_enrichment_deferrals_total", { cause: "provider" })).toBeGreaterThan(0);
  expect(await stack.metric("upsert_job_runs_total", { queue: "contact-enrichment", outcome: "done" })).toBe(
    100,
  );
  expect(await stack.metric("upsert_enrichment_provider_calls_total")).toBe(provider.requests.length);
  expect(
    await stack.metric("upsert_enrichment_provider_calls_total", { outcome: "failed" }),
  ).toBeGreaterThanOrEqual(threshold);
  // One good answer per contact and per account: what failed was asked again, nothing else.
  expect(await stack.metric("upsert_enrichment_provider_calls_total", { outcome: "succeeded" })).toBe(110);
  expect(await stack.metric("upsert_enrichment_owed_requests")).toBe(0);

  // Without the breaker each job would call on every run; with it, each process makes at most the
  // failures that open it (plus the calls already in flight), then one trial per half-open period.
  const perProcess = threshold + 2 * concurrency + Math.ceil(outageMs / halfOpenMs) + 1;
  console.info(
    `provider calls during a ${outageMs / 1_000} s outage: ${callsDuringOutage} (bound ${2 * perProcess})`,
  );
  expect(callsDuringOutage).toBeLessThanOrEqual(2 * perProcess);
}, 240_000);

function logged(state: "open" | "closed"): boolean {
  return stack.workers.some((w) =>
    w
      .output()
      .split("\n")
      .some(
        (line) => line.includes("circuit breaker changed state") && line.includes(`"breaker":"${state}"`),
      ),
  );
}

/** Each worker's last "enrichment provider stats" line. */
function latestStats(): { shortCircuited: number; breaker: string }[] {
  return stack.workers.flatMap((w) => {
    const line = w
      .output()
      .split("\n")
      .filter((l) => l.includes("enrichment provider stats"))
      .at(-1);
    return line
      ? [(JSON.parse(line) as { enrichment: { shortCircuited: number; breaker: string } }).enrichment]
      : [];
  });
}
