import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix, waitFor } from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../testing/start-test-api";

// Issue 9: slow-body connections stayed open 300 s and one client held ~19,960 connections. Real
// slow clients on raw sockets, against the real API with small limits.

const limits = {
  headersTimeoutMs: 600,
  requestTimeoutMs: 1_200,
  keepAliveTimeoutMs: 300,
  timeoutCheckIntervalMs: 50,
};

let database: TestDatabase;
let timed: TestApi;
let capped: TestApi;

beforeAll(async () => {
  database = await createTestDatabase();
  const common = { databaseUrl: database.url, redisUrl: "redis://127.0.0.1:6379" };
  timed = await startTestApi({
    ...common,
    queuePrefix: uniqueQueuePrefix(),
    httpLimits: { ...limits, maxConnections: 100 },
  });
  // Long timeouts here, so the held connections stay open while the cap is tested.
  capped = await startTestApi({
    ...common,
    queuePrefix: uniqueQueuePrefix(),
    httpLimits: { maxConnections: 5, keepAliveTimeoutMs: 60_000 },
  });
});

afterAll(async () => {
  await timed?.close();
  await capped?.close();
  await database?.drop();
});

interface RawClient {
  socket: Socket;
  received(): string;
  /** When the connection closed (ms since the epoch). */
  closed: Promise<number>;
}

async function openRawClient(api: TestApi): Promise<RawClient> {
  const { port } = new URL(api.url);
  const socket = connect(Number(port), "127.0.0.1");
  let data = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    data += chunk;
  });
  socket.on("error", () => {}); // a reset is one way of being cut off
  const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now())));
  await once(socket, "connect");
  return { socket, received: () => data, closed };
}

/** Writes `chunks` one every `everyMs` until the connection closes or the chunks run out. */
async function drip(client: RawClient, chunks: string[], everyMs: number): Promise<void> {
  for (const chunk of chunks) {
    if (client.socket.destroyed || client.socket.writableEnded) return;
    client.socket.write(chunk);
    await sleep(everyMs);
  }
}

const deadline = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([
    promise,
    sleep(ms).then(() => Promise.reject(new Error(`${what} still open after ${ms} ms`))),
  ]);

describe("slow clients are cut off", () => {
  it("headers sent a line at a time are cut off with a 408 after the headers timeout", async () => {
    const client = await openRawClient(timed);
    const started = Date.now();
    const lines = Array.from({ length: 100 }, (_, i) =>
      i === 0 ? "GET /healthz HTTP/1.1\r\nHost: x\r\n" : `X-Slow-${i}: a\r\n`,
    );
    void drip(client, lines, 100);
    const closedAt = await deadline(client.closed, 10_000, "slow-headers connection");
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAt - started).toBeGreaterThanOrEqual(limits.headersTimeoutMs - 20);
  });

  it("a connection that never sends a byte is closed after the headers timeout", async () => {
    const client = await openRawClient(timed);
    const started = Date.now();
    const closedAt = await deadline(client.closed, 10_000, "silent connection");
    expect(closedAt - started).toBeGreaterThanOrEqual(limits.headersTimeoutMs - 20);
  });

  it("a body sent a byte at a time is cut off with a 408 after the request timeout", async () => {
    const client = await openRawClient(timed);
    const started = Date.now();
    client.socket.write(
      "PUT /v1/contacts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n",
    );
    void drip(
      client,
      Array.from({ length: 200 }, () => " "),
      100,
    );
    const closedAt = await deadline(client.closed, 10_000, "slow-body connection");
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAt - started).toBeGreaterThanOrEqual(limits.requestTimeoutMs - 20);
  });

  it("a client at a normal pace is served, and its idle keep-alive connection closed after the keep-alive timeout", async () => {
    const client = await openRawClient(timed);
    await drip(
      client,
      ["GET /healthz HTTP/1.1\r\n", "Host: x\r\n", "Connection: keep-alive\r\n", "\r\n"],
      50,
    );
    await waitFor(() => client.received().includes("\r\n\r\n"), { message: "no response" });
    const answeredAt = Date.now();
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    const closedAt = await deadline(client.closed, 10_000, "idle keep-alive connection");
    expect(closedAt - answeredAt).toBeGreaterThanOrEqual(limits.keepAliveTimeoutMs - 20);
  });
});

it("connections beyond the maximum are refused, and a client is served again once they close", async () => {
  const held: RawClient[] = [];
  for (let i = 0; i < 5; i += 1) {
    const client = await openRawClient(capped);
    client.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor(() => client.received().startsWith("HTTP/1.1 200 "), {
      message: `held connection ${i} not served`,
    });
    held.push(client);
  }

  const refused = await openRawClient(capped);
  refused.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  await deadline(refused.closed, 5_000, "connection over the maximum");
  expect(refused.received()).toBe("");
  expect(held.filter((client) => client.socket.destroyed)).toEqual([]); // the five are still open

  for (const client of held) client.socket.destroy();
  await waitFor(async () => (await capped.call("GET", "/healthz")).status === 200, {
    timeoutMs: 5_000,
    intervalMs: 100,
    message: "no client served after the held connections closed",
  });
});
