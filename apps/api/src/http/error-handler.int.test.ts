import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { createOrganization } from "@upsert/db";
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from "@upsert/testing";
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

type ErrorBody = { error: { code: string; message: string } };

const contact = JSON.stringify({ email: "jane@acme.com" });
const compressors = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
const bodyRoutes = [
  ["PUT", "/v1/contacts"],
  ["PUT", "/v1/accounts"],
  ["POST", "/v1/tags"],
  ["POST", "/v1/custom-fields"],
] as const;

/** Every log line written while `run` ran. */
async function logsOf(run: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const from = logs.lines.length;
  await run();
  // pino-http logs a response once it has finished, which can be just after the client has it.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return logs.lines.slice(from);
}

function expectClientErrorLogs(lines: Record<string, unknown>[]): void {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line.level, JSON.stringify(line)).toBeLessThanOrEqual(40);
    expect(JSON.stringify(line)).not.toMatch(/"stack"|\n\s+at /);
  }
  expect(lines.some((line) => line.level === 40)).toBe(true);
}

describe("errors that carry a 4xx status", () => {
  it.each(
    bodyRoutes.flatMap(([method, path]) =>
      (["gzip", "deflate", "br"] as const).flatMap((encoding) => [
        { method, path, encoding, withKey: true },
        { method, path, encoding, withKey: false },
      ]),
    ),
  )(
    "$encoding that is not compressed on $method $path (key: $withKey) → 400 in the envelope",
    async ({ method, path, encoding, withKey }) => {
      let res: Awaited<ReturnType<TestApi["call"]>> | undefined;
      const lines = await logsOf(async () => {
        res = await api.call(method, path, {
          ...(withKey ? { key } : {}),
          rawBody: contact,
          headers: { "content-type": "application/json", "content-encoding": encoding },
        });
      });
      expect(res?.status).toBe(400);
      expect(res?.body).toEqual({
        error: {
          code: "bad_request",
          message: `The request body is not valid ${encoding} data, as its Content-Encoding header says.`,
        },
      });
      expectClientErrorLogs(lines);
    },
  );

  it.each(Object.entries(compressors))(
    "still accepts a body that is really %s-compressed",
    async (encoding, compress) => {
      const res = await api.call("PUT", "/v1/contacts", {
        key,
        rawBody: compress(Buffer.from(contact)),
        headers: { "content-type": "application/json", "content-encoding": encoding },
      });
      expect(res.status).toBe(202);
    },
  );

  it("refuses an unknown Content-Encoding → 415", async () => {
    const res = await api.call("PUT", "/v1/contacts", {
      key,
      rawBody: contact,
      headers: { "content-type": "application/json", "content-encoding": "compress" },
    });
    expect(res.status).toBe(415);
    expect((res.body as ErrorBody).error).toEqual({
      code: "unsupported_media_type",
      message:
        'Content-Encoding "compress" is not supported: send the body uncompressed or as gzip, deflate or br.',
    });
  });

  it("refuses a body that is not UTF-8 instead of storing U+FFFD in its place → 400", async () => {
    // "Jos\xe9" is Latin-1, not UTF-8: decoding it would store "Jos\uFFFD".
    const body = Buffer.concat([
      Buffer.from('{"email": "jose@acme.com", "first_name": "Jos'),
      Buffer.from([0xe9]),
      Buffer.from('"}'),
    ]);
    const res = await api.call("PUT", "/v1/contacts", {
      key,
      rawBody: body,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: { code: "bad_request", message: "The request body is not valid UTF-8." },
    });
    const utf8 = await api.call("PUT", "/v1/contacts", {
      key,
      rawBody: Buffer.from('{"email": "jose@acme.com", "first_name": "José"}'),
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(utf8.status).toBe(202);
  });

  it.each(
    ["%zz", "%", "%E0%A4%A", "%ED%A0%80", "%C0%AF"].flatMap((param) =>
      [
        ["GET", `/v1/jobs/${param}`],
        ["GET", `/v1/contacts/${param}`],
        ["POST", `/v1/contacts/${param}/enrich`],
        ["PATCH", `/v1/contacts/${param}`],
        ["DELETE", `/v1/contacts/${param}`],
        ["GET", `/v1/accounts/${param}`],
        ["PATCH", `/v1/accounts/${param}`],
        ["DELETE", `/v1/accounts/${param}`],
        ["GET", `/v1/schemas/${param}`],
      ].map(([method, path]) => ({ method: method as string, path: path as string })),
    ),
  )("$method $path: a path that does not percent-decode → 400 in the envelope", async ({ method, path }) => {
    let res: Awaited<ReturnType<TestApi["call"]>> | undefined;
    const lines = await logsOf(async () => {
      res = await api.call(method, path, { key });
    });
    expect(res?.status).toBe(400);
    expect(res?.body).toEqual({
      error: {
        code: "bad_request",
        message:
          "The request path has a malformed percent-escape: each % must start a UTF-8 byte like %C3%A9.",
      },
    });
    expectClientErrorLogs(lines);
  });

  it("answers a path parameter that decodes to a NUL or to nonsense as not found, never a 500", async () => {
    for (const path of ["/v1/jobs/%00", "/v1/contacts/%00", "/v1/accounts/%F0%9F%9A%80", "/v1/schemas/%00"]) {
      const res = await api.call("GET", path, { key });
      expect(res.status, path).toBe(404);
      expect((res.body as ErrorBody).error.code).toBe("not_found");
    }
    const enrich = await api.call("POST", "/v1/contacts/%00/enrich", { key });
    expect(enrich.status).toBe(404);
    for (const [method, path, body] of [
      ["PATCH", "/v1/contacts/%00", { title: "x" }],
      ["DELETE", "/v1/contacts/%00", undefined],
      ["PATCH", "/v1/accounts/%F0%9F%9A%80", { name: "x" }],
      ["DELETE", "/v1/accounts/%F0%9F%9A%80", undefined],
    ] as const) {
      const res = await api.call(method, path, { key, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((res.body as ErrorBody).error.code).toBe("not_found");
    }
  });

  it("recorded none of the refused requests: only the compressed and UTF-8 contacts were accepted", async () => {
    expect(await api.db.prisma.intakeRequest.count()).toBe(4);
    expect(await api.db.prisma.tag.count()).toBe(0);
    expect(await api.db.prisma.customField.count()).toBe(0);
  });
});
