import { randomUUID } from "node:crypto";
import { waitFor } from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "./testing/start-stack";

// Batches on the real stack: an API process and a worker process, this file's own database and
// queue prefix. What a client sees of a batch once workers process it: the batch's status and
// counts, its items (paginated, filtered), per-item jobs, `Prefer: wait`, the items limit.

let stack: Stack;
const itemsPerMinute = 200;

beforeAll(async () => {
  stack = await startStack({
    workers: 1,
    workerEnv: { ENRICHMENT_LATENCY_MS: "20", ORDERING_RETRY_DELAY_MS: "50" },
    apiEnv: { RATE_LIMIT_ITEMS_PER_MINUTE: String(itemsPerMinute), PREFER_WAIT_MAX_S: "60" },
  });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

interface Accepted {
  batch_id: string;
  status: string;
  accepted: number;
  rejected: { index: number; error: { code: string } }[];
}
interface BatchView {
  id: string;
  status: string;
  counts: Record<string, number>;
  created_at: string;
  finished_at: string | null;
}
interface ItemView {
  index: number;
  job_id: string | null;
  status: string;
  result: Record<string, unknown> | null;
  error: { code: string } | null;
}
interface ItemsPage {
  data: ItemView[];
  pagination: { page: number; page_size: number; total_count: number; total_pages: number };
}

async function send(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.key}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function batch(id: string): Promise<BatchView> {
  const res = await stack.call<{ data: BatchView }>("GET", `/v1/batches/${id}`);
  expect(res.status).toBe(200);
  return res.body.data;
}

async function finishedBatch(id: string, timeoutMs = 60_000): Promise<BatchView> {
  return waitFor(
    async () => {
      const view = await batch(id);
      return view.finished_at === null ? undefined : view;
    },
    { timeoutMs, intervalMs: 200, message: `batch ${id} did not finish` },
  );
}

describe("a batch processed by the workers", () => {
  it("applies items for the same person in item order, and reports counts, status and finish time", async () => {
    const res = await send("/v1/contacts/batch", {
      items: [
        { email: "ann@order-test.com", first_name: "Ann", title: "Engineer" },
        { email: "broken" },
        { email: "ANN@order-test.com", title: "CTO" },
        { email: "bob@order-test.com" },
        { email: "ann@order-test.com", title: "CEO", location: "Berlin" },
      ],
    });
    expect(res.status).toBe(202);
    const accepted = res.body.data as Accepted;
    expect(accepted.status).toBe("queued");
    const view = await finishedBatch(accepted.batch_id);
    expect(view.status).toBe("partially_failed");
    expect(view.counts).toEqual({
      items: 5,
      accepted: 4,
      rejected: 1,
      queued: 0,
      running: 0,
      succeeded: 4,
      failed: 0,
      created: 2,
      updated: 2,
    });
    expect(Date.parse(view.finished_at ?? "")).toBeGreaterThanOrEqual(Date.parse(view.created_at));

    const contacts = await stack.call<{ data: Record<string, unknown>[] }>("POST", "/v1/contacts/list", {
      filters: [{ field: "email", condition: "equals", value: "ann@order-test.com" }],
    });
    expect(contacts.body.data).toHaveLength(1);
    // The last item wins the fields it sends; fields only the first sent stay.
    expect(contacts.body.data[0]).toMatchObject({ first_name: "Ann", title: "CEO", location: "Berlin" });

    // Each item is a job of its own, visible as single requests' are.
    const items = await stack.call<ItemsPage>("GET", `/v1/batches/${accepted.batch_id}/items`);
    expect(items.body.data.map((item) => [item.index, item.status])).toEqual([
      [0, "succeeded"],
      [1, "rejected"],
      [2, "succeeded"],
      [3, "succeeded"],
      [4, "succeeded"],
    ]);
    expect(items.body.data.map((item) => item.result?.action ?? null)).toEqual([
      "created",
      null,
      "updated",
      "created",
      "updated",
    ]);
    expect(items.body.data[1]?.error?.code).toBe("unprocessable_entity");
    const first = items.body.data[0];
    const job = await stack.job(first?.job_id ?? "");
    expect(job).toMatchObject({ id: first?.job_id, status: "succeeded" });
  });

  it("says failed when every item failed, and an item's job error shows in the items", async () => {
    // A tag that does not exist fails the write (not the validation).
    const res = await send("/v1/contacts/batch", {
      items: [{ email: "tagged@order-test.com", tags: [randomUUID()] }],
    });
    expect(res.status).toBe(202);
    const { batch_id } = res.body.data as Accepted;
    const view = await finishedBatch(batch_id);
    expect(view.status).toBe("failed");
    expect(view.counts).toMatchObject({ succeeded: 0, failed: 1 });
    const failed = await stack.call<ItemsPage>("GET", `/v1/batches/${batch_id}/items?status=failed`);
    expect(failed.body.data).toHaveLength(1);
    expect(failed.body.data[0]?.error).not.toBeNull();
  });

  it("pages items as Monaco's lists do, and filters them by status", async () => {
    const items = Array.from({ length: 25 }, (_, i) =>
      i % 5 === 4 ? { email: `bad${i}` } : { email: `p${i}@page-test.com` },
    );
    const res = await send("/v1/contacts/batch", { items });
    const { batch_id } = res.body.data as Accepted;
    await finishedBatch(batch_id);
    const page2 = await stack.call<ItemsPage>("GET", `/v1/batches/${batch_id}/items?page=2&page_size=10`);
    expect(page2.status).toBe(200);
    expect(page2.body.pagination).toMatchObject({ page: 2, page_size: 10, total_count: 25, total_pages: 3 });
    expect(page2.body.data.map((item) => item.index)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const rejected = await stack.call<ItemsPage>("GET", `/v1/batches/${batch_id}/items?status=rejected`);
    expect(rejected.body.data.map((item) => item.index)).toEqual([4, 9, 14, 19, 24]);
    expect(rejected.body.pagination).toMatchObject({ total_count: 5, total_pages: 1 });
    const succeeded = await stack.call<ItemsPage>(
      "GET",
      `/v1/batches/${batch_id}/items?status=succeeded&page_size=500`,
    );
    expect(succeeded.body.pagination.total_count).toBe(20);
    const bad = await stack.call<{ error: { code: string } }>(
      "GET",
      `/v1/batches/${batch_id}/items?page=0&status=done`,
    );
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe("unprocessable_entity");
  });
});

describe("Prefer: wait on batches", () => {
  it("POST answers 202 while an item is still running, GET waits for the last item and answers 200", async () => {
    const release = await stack.holdIdentityLock("email:slow@wait-test.com");
    let released = false;
    try {
      const res = await send(
        "/v1/contacts/batch",
        { items: [{ email: "fast@wait-test.com" }, { email: "slow@wait-test.com" }] },
        { prefer: "wait=2" },
      );
      expect(res.status).toBe(202);
      expect(res.headers.get("preference-applied")).toBeNull();
      const { batch_id, status } = res.body.data as Accepted;
      expect(["queued", "running"]).toContain(status);
      // One item written, the other claimed and stopped at its write (the lock held above).
      const running = await waitFor(
        async () => {
          const view = await batch(batch_id);
          return view.counts.succeeded === 1 && view.counts.running === 1 ? view : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100, message: "the batch never had one item written, one running" },
      );
      expect(running).toMatchObject({ status: "running", finished_at: null });

      const waiting = fetch(`${stack.apiUrl}/v1/batches/${batch_id}`, {
        headers: { authorization: `Bearer ${stack.key}`, prefer: "wait=30" },
      });
      await release();
      released = true;
      const answer = await waiting;
      expect(answer.status).toBe(200);
      expect(answer.headers.get("preference-applied")).toBe("wait=30");
      const view = ((await answer.json()) as { data: BatchView }).data;
      expect(view).toMatchObject({ id: batch_id, status: "succeeded", counts: { succeeded: 2, created: 2 } });
      expect(view.finished_at).not.toBeNull();
    } finally {
      if (!released) await release();
    }
  }, 90_000);

  it("POST answers 200 with the batch view when every item finished within the wait", async () => {
    const res = await send(
      "/v1/contacts/batch",
      { items: [{ email: "w1@wait-test.com" }, { email: "nope" }, { email: "w2@wait-test.com" }] },
      { prefer: "wait=30" },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBe("wait=30");
    const data = res.body.data as BatchView & Accepted;
    expect(res.headers.get("location")).toBe(`/v1/batches/${data.batch_id}`);
    expect(data).toMatchObject({
      id: data.batch_id,
      status: "partially_failed",
      accepted: 2,
      rejected: [{ index: 1, error: { code: "unprocessable_entity" } }],
      counts: { items: 3, succeeded: 2, failed: 0, rejected: 1 },
    });
  });
});

describe("rate limits", () => {
  it("counts a batch as one request, and its items against the org's items per minute (429 over it, nothing recorded)", async () => {
    const first = await send("/v1/contacts/batch", {
      items: Array.from({ length: 10 }, (_, i) => ({ email: `r${i}@limit-test.com` })),
    });
    expect(first.status).toBe(202);
    const second = await send("/v1/contacts/batch", {
      items: Array.from({ length: 10 }, (_, i) => ({ email: `s${i}@limit-test.com` })),
    });
    expect(second.status).toBe(202);
    const requestsLeft = (res: { headers: Headers }) => Number(res.headers.get("x-ratelimit-remaining"));
    const itemsLeft = (res: { headers: Headers }) => Number(res.headers.get("x-ratelimit-items-remaining"));
    expect(requestsLeft(first) - requestsLeft(second)).toBe(1);
    expect(itemsLeft(first) - itemsLeft(second)).toBe(10);
    expect(second.headers.get("x-ratelimit-items-limit")).toBe(String(itemsPerMinute));
    expect(Number(second.headers.get("x-ratelimit-items-reset"))).toBeGreaterThan(Date.now() / 1_000 - 1);

    const before = await stack.db.prisma.intakeRequest.count();
    const batchesBefore = await stack.db.prisma.batch.count();
    const over = await send("/v1/contacts/batch", {
      items: Array.from({ length: itemsLeft(second) + 1 }, (_, i) => ({ email: `t${i}@limit-test.com` })),
    });
    expect(over.status).toBe(429);
    expect((over.body as { error: { code: string } }).error.code).toBe("rate_limited");
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(over.headers.get("x-ratelimit-items-remaining")).toBe(String(itemsLeft(second)));
    expect(await stack.db.prisma.intakeRequest.count()).toBe(before);
    expect(await stack.db.prisma.batch.count()).toBe(batchesBefore);
  });
});
