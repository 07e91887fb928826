import { createOrganization } from "@upsert/db";
import {
  createTestDatabase,
  type RawResponse,
  sendRawRequest,
  type TestDatabase,
  uniqueQueuePrefix,
} from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CapturedLogs, captureLogs } from "../testing/capture-logs";
import { startTestApi, type TestApi } from "../testing/start-test-api";

let database: TestDatabase;
let api: TestApi;
let logs: CapturedLogs;
let key: string;

beforeAll(async () => {
  database = await createTestDatabase();
  logs = captureLogs();
  api = await startTestApi({
    databaseUrl: database.url,
    redisUrl: "redis://127.0.0.1:6379",
    queuePrefix: uniqueQueuePrefix(),
    logger: logs.logger,
  });
  key = (await createOrganization(api.db.prisma, { name: "Acme" })).apiKey.secret;
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
});

const send = (request: string) => sendRawRequest(api.url, request);

function expectEnvelope(res: RawResponse, status: number, code: string, message: string): void {
  expect(res.status, res.raw).toBe(status);
  expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
  expect(res.headers.connection).toBe("close");
  expect(JSON.parse(res.body)).toEqual({ error: { code, message } });
}

const chunkedContact = (headers: string) =>
  `PUT /v1/contacts HTTP/1.1\r\nHost: api\r\n${headers}Content-Type: application/json\r\n` +
  'Transfer-Encoding: chunked\r\n\r\nZZ\r\n{"email": "jane@acme.com"}\r\n0\r\n\r\n';

describe("requests Node's HTTP server refuses", () => {
  it("an unknown method → 400 in the envelope, and the connection is closed", async () => {
    expectEnvelope(
      await send("FROB /v1/contacts HTTP/1.1\r\nHost: api\r\n\r\n"),
      400,
      "bad_request",
      "The request method is not an HTTP method this server knows.",
    );
  });

  it("a 20 KB header → 431 in the envelope", async () => {
    const res = await send(`GET /v1/tags HTTP/1.1\r\nHost: api\r\nX-Padding: ${"a".repeat(20_000)}\r\n\r\n`);
    expectEnvelope(
      res,
      431,
      "request_header_fields_too_large",
      "The request line and headers are larger than the 16 KiB this server accepts.",
    );
  });

  it("a 20 KB header on a HEAD request → 431 with the headers only, as HEAD answers are", async () => {
    const res = await send(`HEAD /v1/tags HTTP/1.1\r\nHost: api\r\nX-Padding: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(res.body).toBe("");
  });

  it.each([
    ["without an API key", ""],
    ["with an API key", "Authorization: Bearer {key}\r\n"],
  ])("a bad chunk size %s → 400 in the envelope, nothing recorded", async (_case, header) => {
    const res = await send(chunkedContact(header.replace("{key}", key)));
    expectEnvelope(
      res,
      400,
      "bad_request",
      "The chunked request body is malformed: a chunk size is not a hexadecimal number.",
    );
    expect(await api.db.prisma.intakeRequest.count()).toBe(0);
  });

  it.each([
    ["a request line with a bad protocol name", "GET /v1/tags HXXP/1.1\r\n\r\n"],
    ["a request line with a space in the path", "GET /v1/ tags HTTP/1.1\r\n\r\n"],
    ["an HTTP/2 preface sent to HTTP/1.1", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"],
  ])("%s → 400 in the envelope", async (_case, request) => {
    expectEnvelope(await send(request), 400, "bad_request", "The request is not valid HTTP/1.1.");
  });

  it("binary garbage → 400 in the envelope (it cannot even be read as a method)", async () => {
    expectEnvelope(
      await send("\u0001\u0002 hello\r\n\r\n"),
      400,
      "bad_request",
      "The request method is not an HTTP method this server knows.",
    );
  });

  it("a header with a control character → 400 in the envelope", async () => {
    expectEnvelope(
      await send("GET /v1/tags HTTP/1.1\r\nHost: api\r\nIdempotency-Key: a\u0000b\r\n\r\n"),
      400,
      "bad_request",
      "A request header has a malformed name or value.",
    );
  });

  it("two Content-Length headers that disagree → 400 in the envelope", async () => {
    const res = await send(
      "PUT /v1/contacts HTTP/1.1\r\nHost: api\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    );
    expectEnvelope(
      res,
      400,
      "bad_request",
      "The Content-Length header is malformed or contradicts Transfer-Encoding.",
    );
  });

  it("CONNECT, which Node would answer by closing the connection → 405 in the envelope", async () => {
    expectEnvelope(
      await send("CONNECT acme.com:443 HTTP/1.1\r\nHost: acme.com:443\r\n\r\n"),
      405,
      "method_not_allowed",
      "CONNECT is not supported: this server is not a proxy.",
    );
  });

  it("an Expect header other than 100-continue → 417 in the envelope, nothing recorded", async () => {
    const res = await send(
      `PUT /v1/contacts HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer ${key}\r\nExpect: 200-ok\r\n` +
        "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    );
    expectEnvelope(res, 417, "expectation_failed", "Only `Expect: 100-continue` is supported.");
    expect(await api.db.prisma.intakeRequest.count()).toBe(0);
  });

  it("answers a good request on a kept-alive connection, then the bad one after it", async () => {
    const res = await send("GET /healthz HTTP/1.1\r\nHost: api\r\n\r\nFROB / HTTP/1.1\r\nHost: api\r\n\r\n");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ data: { status: "ok" } });
    const second = res.raw.slice(res.raw.indexOf("HTTP/1.1", 1));
    expect(second).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(second).toContain('{"error":{"code":"bad_request"');
  });

  it("logs each refusal once, at warn, without the request's bytes or a stack", async () => {
    const from = logs.lines.length;
    await send(chunkedContact(`Authorization: Bearer ${key}\r\n`));
    const refusals = logs.lines.slice(from).filter((line) => line.parserError !== undefined);
    expect(refusals).toEqual([
      expect.objectContaining({
        level: 40,
        status: 400,
        code: "bad_request",
        parserError: "HPE_INVALID_CHUNK_SIZE",
      }),
    ]);
    expect(JSON.stringify(refusals)).not.toContain(key);
    expect(JSON.stringify(refusals)).not.toMatch(/rawPacket|stack/);
  });
});
