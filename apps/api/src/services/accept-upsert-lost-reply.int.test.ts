import { once } from "node:events";
import { type AddressInfo, createServer, type Server, Socket } from "node:net";
import { createDb, createOrganization, type Db } from "@upsert/db";
import {
  createTestDatabase,
  type PgBouncer,
  startPgBouncer,
  type TestDatabase,
  uniqueQueuePrefix,
} from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../testing/start-test-api";

/**
 * A TCP hop between the API and the real Postgres that can lose the connection at a chosen
 * moment of the intake statement, which terminating backends only hits by chance:
 * - `after-commit`: forwards the server's reply up to, not including, ReadyForQuery (sent only
 *   once the statement's transaction has committed), then cuts both sides;
 * - `before-server`: cuts both sides instead of forwarding the statement;
 * - `in-flight`: forwards the statement, then cuts both sides at once, while it may still run;
 * with `outage`, it also cuts every other connection and refuses new ones until `restore()`.
 */
interface FaultProxy {
  port: number;
  arm(fault: Fault, options?: { outage?: boolean }): void;
  restore(): void;
  close(): Promise<void>;
}

// The single requests' statement and the batches' (POST /v1/contacts/batch).
const intakeStatementNames = ["accept_intake_requests", "accept_intake_batch"];
type Fault = "after-commit" | "before-server" | "in-flight";

async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const open = new Set<Socket>();
  let armed: { fault: Fault; outage: boolean } | undefined;
  let refusing = false;

  const cut = (client: Socket, server: Socket, outage: boolean) => {
    client.destroy();
    server.destroy();
    if (!outage) return;
    refusing = true;
    for (const socket of open) socket.destroy();
  };

  const server: Server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    open.add(client).add(upstream);
    const forget = () => open.delete(client) && open.delete(upstream);
    client.on("close", forget).on("error", () => upstream.destroy());
    upstream.on("close", () => client.destroy()).on("error", () => client.destroy());
    upstream.connect(targetPort, "127.0.0.1");

    // Server messages of the armed statement, parsed (type byte + int32 length) to find its end.
    let watching: { outage: boolean; pending: Buffer } | undefined;
    client.on("data", (chunk: Buffer) => {
      const fault = armed && intakeStatementNames.some((name) => chunk.includes(name)) ? armed : undefined;
      if (fault) armed = undefined;
      if (fault?.fault === "before-server") return cut(client, upstream, fault.outage);
      if (fault?.fault === "in-flight") {
        upstream.write(chunk, () => cut(client, upstream, fault.outage));
        return;
      }
      if (fault) watching = { outage: fault.outage, pending: Buffer.alloc(0) };
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!watching) return void client.write(chunk);
      watching.pending = Buffer.concat([watching.pending, chunk]);
      let offset = 0;
      while (watching.pending.length - offset >= 5) {
        const length = watching.pending.readInt32BE(offset + 1);
        if (watching.pending.length - offset < 1 + length) break;
        if (watching.pending[offset] === 0x5a /* 'Z' ReadyForQuery */) {
          client.write(watching.pending.subarray(0, offset));
          return cut(client, upstream, watching.outage);
        }
        offset += 1 + length;
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    arm: (fault, options = {}) => {
      armed = { fault, outage: options.outage ?? false };
    },
    restore: () => {
      refusing = false;
    },
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Direct to Postgres, and through PgBouncer in transaction mode, where the connection's pid is the
// pooler's and the outcome is settled by waiting out earlier intake statements instead.
describe.each(["direct", "pgbouncer"] as const)(
  "intake when the connection dies under its statement (%s)",
  (route) => {
    let database: TestDatabase;
    let bouncer: PgBouncer | undefined;
    let proxy: FaultProxy;
    let api: TestApi;
    let direct: Db;
    let key: string;
    let orgId: string;
    const outcomeDeadlineMs = 3_000;

    beforeAll(async () => {
      database = await createTestDatabase();
      bouncer =
        route === "pgbouncer" ? await startPgBouncer({ serverUrl: database.url, poolSize: 2 }) : undefined;
      const url = new URL(bouncer ? bouncer.urlFor(database.url) : database.url);
      proxy = await startFaultProxy(Number(url.port || 5432));
      url.port = String(proxy.port);
      api = await startTestApi({
        databaseUrl: url.toString(),
        redisUrl: "redis://127.0.0.1:6379",
        queuePrefix: uniqueQueuePrefix(),
        intakeOutcomeDeadlineMs: outcomeDeadlineMs,
      });
      expect(api.db.transactionPooling).toBe(route === "pgbouncer");
      direct = createDb(database.url, { maxConnections: 1 });
      const created = await createOrganization(api.db.prisma, { name: "Acme" });
      key = created.apiKey.secret;
      orgId = created.org.id;
      // Warm up: the key is cached and the statement prepared on a connection.
      expect((await put("warm@acme.com")).status).toBe(202);
    }, 30_000);

    afterAll(async () => {
      await api?.close();
      await direct?.close();
      await proxy?.close();
      await bouncer?.stop();
      await database?.drop();
    });

    const put = (email: string) => api.call("PUT", "/v1/contacts", { key, body: { email } });

    const rowsFor = (email: string) =>
      direct.prisma.$queryRaw<{ id: string }[]>`
      SELECT id::text FROM intake_requests WHERE payload->>'email' = ${email}`;

    type Answer = { data?: { job_id: string }; error?: { code: string; details?: { job_id?: string } } };

    it("answers 202 when the statement had committed and only the reply was lost", async () => {
      proxy.arm("after-commit");
      const res = await put("lost-reply@acme.com");
      expect(res.status).toBe(202);
      const jobId = (res.body as Answer).data?.job_id;
      expect(await rowsFor("lost-reply@acme.com")).toEqual([{ id: jobId }]);
      const job = await api.call("GET", `/v1/jobs/${jobId}`, { key });
      expect(job.status).toBe(200);
    });

    it("waits for a statement still running when its connection died: the answer agrees with the row", async () => {
      // The org's intake lock, held elsewhere, keeps the statement running after the cut.
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked = () => {};
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holder = direct.prisma.$transaction(
        async (tx) => {
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`intake:${orgId}`}, 0))`;
          locked();
          await held;
        },
        { timeout: 30_000 },
      );
      await isLocked;
      proxy.arm("in-flight");
      const answer = put("in-flight@acme.com");
      setTimeout(release, 800);
      const res = await answer;
      await holder;
      await new Promise((resolve) => setTimeout(resolve, 300)); // the statement has surely ended
      const rows = await rowsFor("in-flight@acme.com");
      console.info(`in-flight cut (${route}): answered ${res.status}, ${rows.length} row(s)`);
      if (res.status === 202) expect(rows).toEqual([{ id: (res.body as Answer).data?.job_id }]);
      else {
        expect(res.status).toBe(503);
        expect(rows).toEqual([]);
      }
    });

    it("answers 503 when the statement never reached the database, and records nothing", async () => {
      proxy.arm("before-server");
      const res = await put("never-sent@acme.com");
      expect(res.status).toBe(503);
      expect((res.body as Answer).error?.code).toBe("service_unavailable");
      expect(await rowsFor("never-sent@acme.com")).toEqual([]);
    });

    it("answers 504 outcome_unknown with the job id, never 503, when it cannot ask the database in time", async () => {
      proxy.arm("after-commit", { outage: true });
      const started = Date.now();
      const res = await put("unknown@acme.com");
      proxy.restore();
      expect(res.status).toBe(504);
      const error = (res.body as Answer).error;
      expect(error?.code).toBe("outcome_unknown");
      expect(Date.now() - started).toBeGreaterThanOrEqual(outcomeDeadlineMs - 100);
      // It had committed: the id it was given is the job's.
      expect(await rowsFor("unknown@acme.com")).toEqual([{ id: error?.details?.job_id }]);
      // And the service recovers once the database answers again.
      expect((await put("after@acme.com")).status).toBe(202);
    });

    const postBatch = (emails: string[]) =>
      api.call("POST", "/v1/contacts/batch", { key, body: { items: emails.map((email) => ({ email })) } });

    const batchRows = (email: string) =>
      direct.prisma.$queryRaw<{ batch_id: string }[]>`
        SELECT batch_id::text FROM intake_requests WHERE payload->>'email' = ${email}`;

    type BatchAnswer = {
      data?: { batch_id: string };
      error?: { code: string; details?: { batch_id?: string } };
    };

    describe("batch intake when the connection dies under its statement: the rules of single intake", () => {
      it("answers 202 when the batch had committed and only the reply was lost", async () => {
        expect((await postBatch(["warm-batch@acme.com"])).status).toBe(202);
        proxy.arm("after-commit");
        const res = await postBatch(["b-lost1@acme.com", "b-lost2@acme.com"]);
        expect(res.status).toBe(202);
        const batchId = (res.body as BatchAnswer).data?.batch_id;
        expect(await batchRows("b-lost2@acme.com")).toEqual([{ batch_id: batchId }]);
        expect((await api.call("GET", `/v1/batches/${batchId}`, { key })).status).toBe(200);
      });

      it("answers 503 when the statement never reached the database, and records nothing of the batch", async () => {
        proxy.arm("before-server");
        const res = await postBatch(["b-never1@acme.com", "b-never2@acme.com"]);
        expect(res.status).toBe(503);
        expect((res.body as BatchAnswer).error?.code).toBe("service_unavailable");
        expect(await batchRows("b-never1@acme.com")).toEqual([]);
        expect(await batchRows("b-never2@acme.com")).toEqual([]);
      });

      it("answers 504 outcome_unknown with the batch id, never 503, when it cannot ask the database in time", async () => {
        proxy.arm("after-commit", { outage: true });
        const res = await postBatch(["b-unknown@acme.com"]);
        proxy.restore();
        expect(res.status).toBe(504);
        const error = (res.body as BatchAnswer).error;
        expect(error?.code).toBe("outcome_unknown");
        expect(await batchRows("b-unknown@acme.com")).toEqual([{ batch_id: error?.details?.batch_id }]);
        expect((await postBatch(["b-after@acme.com"])).status).toBe(202);
      });
    });
  },
);
