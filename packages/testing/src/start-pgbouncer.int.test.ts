import {
  acceptRequests,
  createDb,
  createOrganization,
  type Db,
  findUnfinishedRequests,
  migrate,
} from "@upsert/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./create-test-database";
import { type PgBouncer, startPgBouncer } from "./start-pgbouncer";

// The request path's statements through a real PgBouncer in transaction pooling mode (two
// server connections shared by many clients), as a deployment behind PgBouncer 1.18 runs them.
let database: TestDatabase;
let bouncer: PgBouncer;
const opened: Db[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  bouncer = await startPgBouncer({ serverUrl: database.url, poolSize: 2 });
}, 30_000);

afterAll(async () => {
  await Promise.all(opened.map((db) => db.close()));
  await bouncer?.stop();
  await database?.drop();
});

const open = (url: string, options: Parameters<typeof createDb>[1] = {}) => {
  const db = createDb(url, { maxConnections: 6, ...options });
  opened.push(db);
  return db;
};

/** The hot path's shape: many concurrent named statements from one pool of six clients. */
async function runNamedStatements(db: Db, rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round += 1) {
    await Promise.all(
      Array.from({ length: 6 }, () =>
        findUnfinishedRequests(db.pool, { acceptedBefore: new Date(), afterSeq: 0n, limit: 10 }),
      ),
    );
  }
}

describe("behind PgBouncer in transaction mode", () => {
  it("fails with node-pg's named statements when they are kept (PgBouncer 1.18 does not track them)", async () => {
    const db = open(bouncer.urlFor(database.url), { preparedStatements: true });
    await expect(runNamedStatements(db, 20)).rejects.toThrow(/prepared statement/);
  });

  it("runs them unnamed when the URL says pgbouncer=true, on several server connections", async () => {
    const db = open(bouncer.urlFor(database.url));
    expect(db.transactionPooling).toBe(true);
    await runNamedStatements(db, 20);
    const { org } = await createOrganization(db.prisma, { name: "Acme" }); // Prisma's transaction
    const results = await acceptRequests(
      db.pool,
      ["a@acme.com", "b@acme.com"].map((email) => ({
        orgId: org.id,
        operation: "contact.upsert",
        payload: { email },
        payloadHash: email,
        identityKeys: [`email:${email}`],
      })),
      { idempotencyWindowMs: 60_000, outcomeDeadlineMs: 2_000, transactionPooling: true },
    );
    expect(results.map((r) => r.ok && r.outcome.kind)).toEqual(["accepted", "accepted"]);
    // Six clients shared PgBouncer's two server connections.
    const pools = await bouncer.admin<{ database: string; sv_idle: string; sv_used: string }>("SHOW POOLS");
    const pool = pools.find((row) => row.database === database.name);
    expect(Number(pool?.sv_idle ?? 0) + Number(pool?.sv_used ?? 0)).toBe(2);
    const clients = await bouncer.admin<{ database: string }>("SHOW CLIENTS");
    expect(clients.filter((row) => row.database === database.name).length).toBeGreaterThan(2);
  });

  it("refuses to migrate through it: the migration lock belongs to a session", async () => {
    await expect(migrate(bouncer.urlFor(database.url))).rejects.toMatchObject({ code: "pooled_connection" });
  });
});
