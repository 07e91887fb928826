import { type RedisServer, startRedisServer, waitFor } from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "./testing/start-stack";

// A batch accepted while Redis is down: the 202 rests on the Postgres commit, and the items' jobs
// are added by the dispatcher once Redis is back. The stack runs on a Redis server of this file's
// own, so the test can kill it.
let redis: RedisServer;
let stack: Stack;

beforeAll(async () => {
  redis = await startRedisServer({ appendonly: false });
  stack = await startStack({
    workers: 1,
    redisUrl: redis.url,
    workerEnv: { DISPATCH_INTERVAL_MS: "500", DISPATCH_MIN_AGE_MS: "200", ENRICHMENT_LATENCY_MS: "20" },
  });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  await redis?.stop();
});

describe("a batch while Redis is down", () => {
  it("is accepted (202, every item recorded) and processed once Redis is back", async () => {
    await redis.kill();
    const res = await fetch(`${stack.apiUrl}/v1/contacts/batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.key}`, "content-type": "application/json" },
      body: JSON.stringify({
        items: Array.from({ length: 20 }, (_, i) => ({ email: `outage${i}@hooli.com` })),
      }),
    });
    expect(res.status).toBe(202);
    const { batch_id, accepted } = ((await res.json()) as { data: { batch_id: string; accepted: number } })
      .data;
    expect(accepted).toBe(20);
    expect(
      await stack.db.prisma.intakeRequest.count({ where: { batchId: batch_id, status: "queued" } }),
    ).toBe(20);

    await redis.restart();
    const view = await waitFor(
      async () => {
        const got = await stack.call<{ data: { status: string; counts: Record<string, number> } }>(
          "GET",
          `/v1/batches/${batch_id}`,
        );
        return got.body.data.status === "succeeded" ? got.body.data : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, message: "the batch accepted during the outage never finished" },
    );
    expect(view.counts).toMatchObject({ succeeded: 20, created: 20, failed: 0 });
    expect(stack.workers[0]?.output()).toContain("re-enqueued accepted requests");
  }, 90_000);
});
