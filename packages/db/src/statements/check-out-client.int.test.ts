import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyDatabase, type EmptyDatabase } from "../empty-database.fixture";
import { checkOutClient } from "./check-out-client";

let database: EmptyDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createEmptyDatabase();
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  pool.on("error", () => {});
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

describe("checkOutClient", () => {
  // What would catch a regression: `await pool.connect()` then `client.on("error")` leaves the
  // client unheard until the await resumes; an event pg emits in between (a termination notice
  // read together with the new connection's ReadyForQuery) crashed the CI run. A microtask queued
  // when the pool hands the client out runs in exactly that gap.
  it("listens for connection errors from the moment the pool hands the client out", async () => {
    const heardInTheGap: number[] = [];
    const onAcquire = (client: pg.PoolClient) =>
      queueMicrotask(() => heardInTheGap.push(client.listenerCount("error")));
    pool.on("acquire", onAcquire);
    try {
      const held = await checkOutClient(pool);
      held.release();
      const awaited = await pool.connect();
      awaited.release();
    } finally {
      pool.removeListener("acquire", onAcquire);
    }
    // The first is ours; the second, plain `await pool.connect()`, is the gap this closes.
    expect(heardInTheGap).toEqual([1, 0]);
  });

  it("survives the server terminating a held, idle connection, and discards it on release", async () => {
    const held = await checkOutClient(pool);
    expect(held.backendPid).toEqual(expect.any(Number));
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query("SELECT pg_terminate_backend($1)", [held.backendPid]);
    } finally {
      await admin.end();
    }
    const failure = await held.client.query("SELECT 1").then(
      () => undefined,
      (err: Error) => err,
    );
    expect(failure).toBeInstanceOf(Error);
    held.release(failure);
    await sleep(50); // the closing socket's last events arrive unheard by the test

    const next = await checkOutClient(pool);
    try {
      expect(next.backendPid).not.toBe(held.backendPid);
      expect((await next.client.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      next.release();
    }
  });
});
