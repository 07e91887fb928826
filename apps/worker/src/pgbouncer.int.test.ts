import { randomUUID } from "node:crypto";
import { replaceDatabaseName } from "@upsert/db";
import {
  dropDatabaseForcefully,
  type PgBouncer,
  startPgBouncer,
  startTsProcess,
  waitFor,
} from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JobView, type Stack, startStack } from "./testing/start-stack";

// The API and two workers as production runs them, every connection through a real PgBouncer in
// transaction pooling mode with fewer server connections than the processes have clients:
// consecutive transactions of one client land on different server sessions, so anything that
// relied on a session (prepared statements, session locks or settings) would fail here.
let bouncer: PgBouncer;
let stack: Stack;

beforeAll(async () => {
  bouncer = await startPgBouncer({ serverUrl: "postgresql://postgres@127.0.0.1:5432/postgres", poolSize: 4 });
  stack = await startStack({
    workers: 2,
    workerEnv: { WORKER_CONCURRENCY: "10", ENRICHMENT_LATENCY_MS: "50" },
    appEnv: (database) => ({ DATABASE_URL: bouncer.urlFor(database.url) }),
    // Reads through it too (DATABASE_READ_URL), on their own client pool.
    apiEnv: (database) => ({ DATABASE_READ_URL: bouncer.urlFor(database.url) }),
  });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  await bouncer?.stop();
});

const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.key}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { data: Record<string, unknown> } };
};

describe("behind PgBouncer (transaction pooling)", () => {
  it("creates and updates contacts, and GET /v1/jobs/:id reports them", async () => {
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) => stack.put({ email: `p${i}@bouncer.io`, first_name: `P${i}` })),
    );
    expect(created.map((r) => r.status)).toEqual(created.map(() => 202));
    for (const { jobId } of created) {
      const job = await stack.finished(jobId);
      expect(job.status).toBe("succeeded");
      expect(job.result).toMatchObject({ action: "created" });
    }
    const updated = await stack.put({ email: "p0@bouncer.io", first_name: "Paula" });
    const job = await stack.finished(updated.jobId);
    expect(job.result).toMatchObject({ action: "updated" });
    const contactId = (job.result as { contact_id: string }).contact_id;
    const read = await send("GET", `/v1/contacts/${contactId}`);
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({ email: "p0@bouncer.io", first_name: "Paula" });
  }, 60_000);

  it("writes concurrent requests for one identity once, in order", async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => stack.put({ email: "same@bouncer.io", title: `t${i}` })),
    );
    const jobs: JobView[] = [];
    for (const { jobId } of answers) jobs.push(await stack.finished(jobId));
    expect(jobs.every((job) => job.status === "succeeded")).toBe(true);
    expect(jobs.filter((job) => job.result?.action === "created")).toHaveLength(1);
    const contacts = await stack.db.prisma.contact.findMany({
      where: { emailNormalized: "same@bouncer.io" },
    });
    expect(contacts).toHaveLength(1);
    // The last accepted request (largest seq) is the one whose value stands.
    const last = await stack.db.prisma.intakeRequest.findFirstOrThrow({
      where: { id: { in: answers.map((a) => a.jobId) } },
      orderBy: { seq: "desc" },
    });
    expect(contacts[0]?.title).toBe((last.payload as { title: string }).title);
  }, 60_000);

  it("answers Prefer: wait with the written contact, and lists it", async () => {
    const waited = await send(
      "PUT",
      "/v1/contacts",
      { email: "wait@bouncer.io", first_name: "Wanda" },
      {
        prefer: "wait=20",
      },
    );
    expect(waited.status).toBe(200);
    expect(waited.body.data).toMatchObject({ email: "wait@bouncer.io", first_name: "Wanda" });
    const listed = await send("POST", "/v1/contacts/list", {
      filters: [{ field: "email", condition: "equals", value: "wait@bouncer.io" }],
    });
    expect(listed.status).toBe(200);
    expect((listed.body.data as unknown as { email: string }[]).map((c) => c.email)).toEqual([
      "wait@bouncer.io",
    ]);
  }, 60_000);

  it("leaves no session state behind: several server connections served, no advisory lock held", async () => {
    await stack.drain();
    const servers = await bouncer.admin<{ database: string }>("SHOW SERVERS");
    const clients = await bouncer.admin<{ database: string }>("SHOW CLIENTS");
    const ours = (rows: { database: string }[]) => rows.filter((row) => row.database === stack.database.name);
    expect(ours(servers).length).toBeGreaterThan(1);
    expect(ours(servers).length).toBeLessThanOrEqual(4);
    // More clients (API pools, worker pools) than server connections: they were shared.
    expect(ours(clients).length).toBeGreaterThan(ours(servers).length);
    // Every identity and intake lock was a transaction's: none survives in an idle server session.
    const locks = await stack.db.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND a.datname = current_database()`;
    expect(locks[0]?.n).toBe(0);
    const inTransaction = await stack.db.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND state LIKE 'idle in transaction%'`;
    expect(inTransaction[0]?.n).toBe(0);
  }, 60_000);
});

describe("migrations with DIRECT_DATABASE_URL", () => {
  const serverUrl = "postgresql://postgres@127.0.0.1:5432/postgres";
  const migrateCli = async (env: Record<string, string>) => {
    const run = startTsProcess("packages/db/src/migrate.cli.ts", env);
    await waitFor(() => !run.isRunning(), { timeoutMs: 60_000, intervalMs: 100, message: "migrate hung" });
    return { code: await run.stop(), output: run.output() };
  };

  it("migrates over the direct URL while DATABASE_URL goes through PgBouncer, and refuses without it", async () => {
    const name = `upsert_test_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const direct = replaceDatabaseName(serverUrl, name);
    try {
      const refused = await migrateCli({ DATABASE_URL: bouncer.urlFor(direct) });
      expect(refused.code).toBe(1);
      expect(refused.output).toMatch(/DIRECT_DATABASE_URL/);
      const migrated = await migrateCli({
        DATABASE_URL: bouncer.urlFor(direct),
        DIRECT_DATABASE_URL: direct,
      });
      expect(migrated.output).toMatch(/Applied \d+ migration/);
      expect(migrated.code).toBe(0);
    } finally {
      await dropDatabaseForcefully(serverUrl, name);
    }
  }, 90_000);
});
