import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "./create-db";
import { createEmptyDatabase, type EmptyDatabase } from "./empty-database.fixture";
import { createIntakeRecorder, type IntakeRecorder } from "./intake-recorder";
import { migrate } from "./migrations";
import { createOrganization } from "./repositories/organizations.repository";

// @upsert/testing depends on this package, so this file migrates its own empty database.
let database: EmptyDatabase;
let db: Db;
let recorder: IntakeRecorder;
let orgIds: string[];

beforeAll(async () => {
  database = await createEmptyDatabase();
  await migrate(database.url);
  db = createDb(database.url, { maxConnections: 4 });
  // One statement in flight: everything sent while it runs shares the next one.
  recorder = createIntakeRecorder(db.pool, {
    idempotencyWindowMs: 3_600_000,
    outcomeDeadlineMs: 2_000,
    maxConcurrentStatements: 1,
    maxBatchSize: 100,
  });
  orgIds = [];
  for (const name of ["Acme", "Globex"]) orgIds.push((await createOrganization(db.prisma, { name })).org.id);
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const request = (orgId: string, email: string, idempotencyKey?: string) => ({
  orgId,
  operation: "contact.upsert",
  payload: { email },
  payloadHash: `hash:${email}`,
  identityKeys: [`email:${email}`],
  idempotencyKey,
});

describe("createIntakeRecorder (group commit)", () => {
  it("records concurrent requests in shared statements, with seq in the order they were sent", async () => {
    const emails = Array.from({ length: 40 }, (_, i) => `batch-${i}@acme.com`);
    const outcomes = await Promise.all(
      emails.map((email, i) => recorder.accept(request(orgIds[i % 2] ?? "", email))),
    );
    expect(outcomes.every((o) => o.kind === "accepted" && o.request.status === "queued")).toBe(true);

    const rows = await db.prisma.intakeRequest.findMany({
      where: { id: { in: outcomes.map((o) => o.request.id) } },
      orderBy: { seq: "asc" },
    });
    expect(rows.map((row) => (row.payload as { email: string }).email)).toEqual(emails);
    // The answer is the row as stored.
    for (const [i, outcome] of outcomes.entries()) {
      const row = rows.find((r) => r.id === outcome.request.id);
      expect(outcome.request).toEqual({
        id: row?.id,
        orgId: orgIds[i % 2],
        operation: "contact.upsert",
        status: "queued",
        createdAt: row?.createdAt,
      });
    }
    // Fewer commits than requests: rows of one transaction share its timestamp.
    expect(new Set(rows.map((row) => row.createdAt.getTime())).size).toBeLessThan(emails.length);
  });

  it("applies the idempotency rule inside one statement: the second of two same-key requests replays the first", async () => {
    const [first, second, reused] = await Promise.all([
      recorder.accept(request(orgIds[0] ?? "", "same@acme.com", "key-1")),
      recorder.accept(request(orgIds[0] ?? "", "same@acme.com", "key-1")),
      recorder.accept(request(orgIds[0] ?? "", "other@acme.com", "key-1")),
    ]);
    expect(first?.kind).toBe("accepted");
    expect(second).toEqual({ kind: "replayed", request: first?.request });
    expect(reused).toEqual({ kind: "idempotency_key_reused", request: first?.request });
    expect(await db.prisma.intakeRequest.count({ where: { idempotencyKey: "key-1" } })).toBe(1);
  });

  it("fails a request the database rejects alone, recording the others of its statement", async () => {
    const results = await Promise.allSettled([
      recorder.accept(request(orgIds[0] ?? "", "good-1@acme.com")),
      // Postgres cannot store U+0000 in jsonb: the statement fails, then each runs on its own.
      recorder.accept(request(orgIds[0] ?? "", "bad\u0000@acme.com")),
      recorder.accept(request(orgIds[1] ?? "", "good-2@acme.com")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const emails = (await db.prisma.intakeRequest.findMany({ select: { payload: true } })).map(
      (row) => (row.payload as { email: string }).email,
    );
    expect(emails).toEqual(expect.arrayContaining(["good-1@acme.com", "good-2@acme.com"]));
    expect(emails.filter((email) => email.startsWith("bad"))).toEqual([]);
  });
});

describe("the ordering index of batch items", () => {
  it("indexes each item's ordering keys at its seq, and loses them with the request or its organisation", async () => {
    const { org } = await createOrganization(db.prisma, { name: "Initech" });
    const people = ["ann", "bob", "cyd"];
    const outcome = await recorder.acceptBatch({
      orgId: org.id,
      operation: "contact.upsert",
      payloadHash: "batch-hash",
      itemCount: people.length,
      items: people.map((name, index) => ({
        index,
        payload: { email: `${name}@initech.com` },
        identityKeys: [`domain:initech.com`, `email:${name}@initech.com`, `linkedin:${name}`],
      })),
      rejected: [],
    });
    const keysOf = () =>
      db.pool
        .query<{ key: string; seq: string; request_id: string }>(
          "SELECT key, seq::text AS seq, request_id FROM intake_request_keys WHERE org_id = $1 ORDER BY seq, key",
          [org.id],
        )
        .then((result) => result.rows);
    const rows = await db.prisma.intakeRequest.findMany({
      where: { orgId: org.id },
      orderBy: { seq: "asc" },
    });
    expect(rows.map((row) => row.id)).toEqual(outcome.batch.requestIds);
    // Domains lock but do not order: they are not indexed.
    expect(await keysOf()).toEqual(
      rows.flatMap((row, i) =>
        [`email:${people[i]}@initech.com`, `linkedin:${people[i]}`].map((key) => ({
          key,
          seq: String(row.seq),
          request_id: row.id,
        })),
      ),
    );

    await db.prisma.intakeRequest.delete({ where: { id: rows[0]?.id } });
    expect((await keysOf()).map((key) => key.request_id)).toEqual(
      [rows[1], rows[1], rows[2], rows[2]].map((row) => row?.id),
    );
    await db.prisma.organization.delete({ where: { id: org.id } });
    expect(await keysOf()).toEqual([]);
  });
});
