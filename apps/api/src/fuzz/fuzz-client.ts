import { type ClientRequest, type IncomingHttpHeaders, request } from "node:http";
import { sendRawRequest } from "@upsert/testing";

/** One request of the fuzz suite: through Node's HTTP client, or as raw bytes on a socket. */
export type FuzzRequest =
  | {
      kind: "http";
      method: string;
      path: string;
      headers: Record<string, string>;
      body?: Buffer;
      /** The status a regression case must get; generated cases only have to keep the rules. */
      expectStatus?: number;
    }
  | { kind: "raw"; bytes: Buffer; halfClose?: boolean; expectStatus?: number };

/** A value as a JSON request body. */
export const jsonBytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** A request as raw bytes (the text is sent as Latin-1, one byte per character). */
export function rawFuzzRequest(
  text: string,
  options: { halfClose?: boolean; expectStatus?: number } = {},
): FuzzRequest {
  return { kind: "raw", bytes: Buffer.from(text, "latin1"), ...options };
}

/** What exists before the run, so generated requests can name real ids and keys. */
export interface FuzzFixtures {
  ownKey: string;
  otherOrgKey: string;
  tagIds: string[];
  /** `custom_field_<uuid>` keys of the org's fields: a number and an enum. */
  customFields: { numberKey: string; enumKey: string; enumOptions: string[] };
  contactIds: string[];
  accountIds: string[];
  jobIds: string[];
}

export interface FuzzCase {
  name: string;
  request: FuzzRequest;
}

export interface FuzzResponse {
  /** null when no answer came (the connection closed, or the deadline passed). */
  status: number | null;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  failure?: string;
}

/** Sends `fuzz` to the API at `baseUrl`; never rejects, a missing answer is a response too. */
export async function sendFuzzRequest(
  baseUrl: string,
  fuzz: FuzzRequest,
  timeoutMs: number,
): Promise<FuzzResponse> {
  if (fuzz.kind === "raw") {
    try {
      const res = await sendRawRequest(baseUrl, fuzz.bytes, {
        timeoutMs,
        ...(fuzz.halfClose ? { halfClose: true } : {}),
      });
      return { status: res.status, headers: res.headers, body: res.body };
    } catch (err) {
      return { status: null, headers: {}, body: "", failure: (err as Error).message };
    }
  }
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (res: FuzzResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(res);
    };
    // A connection per request (no agent): a reused socket the server has just closed would look
    // like a missing answer.
    let req: ClientRequest;
    try {
      req = request({
        host: hostname,
        port: Number(port),
        method: fuzz.method,
        path: fuzz.path,
        headers: fuzz.headers,
        agent: false,
      });
    } catch (err) {
      // A generator bug, not the server's: reported as a failure all the same.
      settle({
        status: null,
        headers: {},
        body: "",
        failure: `the client refused it: ${(err as Error).message}`,
      });
      return;
    }
    timer = setTimeout(() => {
      req.destroy();
      settle({ status: null, headers: {}, body: "", failure: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        settle({
          status: res.statusCode ?? null,
          headers: res.headers as IncomingHttpHeaders,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", (err) => settle({ status: null, headers: {}, body: "", failure: err.message }));
    });
    req.on("error", (err) => settle({ status: null, headers: {}, body: "", failure: err.message }));
    req.end(fuzz.body);
  });
}

// A V8 stack frame: `at fn (/app/x.js:1:2)`, `at node:internal/…:1:2`, `at file:///…:1:2`.
const stackFramePattern = / at (?:\S+ \()?(?:file:\/\/|node:|\/)[^\s)]*:\d+:\d+/;

/**
 * What is wrong with `res` as an answer to `fuzz`, or null. Every answer must be a 2xx or a 4xx
 * with a JSON body in the contract's envelope (`data` for 2xx, `error: { code, message }` for
 * 4xx) and no stack trace. One answer that is not JSON by design is allowed: the `Allow` list
 * Express sends for `OPTIONS` on a route. (`/metrics` is not on the public port: a 404 here.)
 */
export function problemWith(fuzz: FuzzRequest, res: FuzzResponse): string | null {
  if (res.status === null) return `no answer: ${res.failure ?? "the connection closed"}`;
  if (fuzz.expectStatus !== undefined && res.status !== fuzz.expectStatus) {
    return `expected ${fuzz.expectStatus}, got ${res.status}: ${res.body.slice(0, 300)}`;
  }
  const is2xx = res.status >= 200 && res.status < 300;
  const is4xx = res.status >= 400 && res.status < 500;
  if (!is2xx && !is4xx) return `status ${res.status}: ${res.body.slice(0, 300)}`;
  if (stackFramePattern.test(res.body)) return `the body shows internals: ${res.body.slice(0, 300)}`;
  const method = fuzz.kind === "http" ? fuzz.method : "";
  if (method === "HEAD") return null;
  if (res.status === 204) return res.body === "" ? null : `a 204 with a body: ${res.body.slice(0, 300)}`;
  if (is2xx && method === "OPTIONS" && typeof res.headers.allow === "string") return null;
  const contentType = String(res.headers["content-type"] ?? "");
  if (!contentType.startsWith("application/json")) return `content-type ${JSON.stringify(contentType)}`;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return `the body is not JSON: ${res.body.slice(0, 300)}`;
  }
  const envelope = body as { data?: unknown; error?: { code?: unknown; message?: unknown } };
  if (is2xx)
    return envelope.data === undefined ? `a ${res.status} without data: ${res.body.slice(0, 300)}` : null;
  const { error } = envelope;
  if (typeof error?.code !== "string" || typeof error.message !== "string" || error.message === "") {
    return `a ${res.status} without { error: { code, message } }: ${res.body.slice(0, 300)}`;
  }
  return null;
}

/** A short, printable form of a request for failure reports (bodies can be 300 KB). */
export function describeFuzzRequest(fuzz: FuzzRequest): string {
  const cut = (text: string, max: number) =>
    text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
  if (fuzz.kind === "raw") return `raw ${JSON.stringify(cut(fuzz.bytes.toString("latin1"), 400))}`;
  const body = fuzz.body ? ` body ${JSON.stringify(cut(fuzz.body.toString("latin1"), 400))}` : "";
  return `${fuzz.method} ${cut(fuzz.path, 200)} headers ${cut(JSON.stringify(fuzz.headers), 400)}${body}`;
}
