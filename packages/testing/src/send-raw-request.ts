import { connect } from "node:net";

export interface RawResponse {
  /** null when the server closed the connection without answering. */
  status: number | null;
  /** Header names lower-cased; a repeated header keeps its last value. */
  headers: Record<string, string>;
  /** The body as the Content-Length header delimits it (or everything after the headers). */
  body: string;
  /** Every byte the server sent, as latin1. */
  raw: string;
}

/**
 * Writes `request` as-is to a TCP connection to `url`'s host and port, and reads until the
 * server closes the connection: for requests an HTTP client would refuse to send (an unknown
 * method, a bad chunk size, a 20 KB header). Send `Connection: close` in well-formed requests.
 * `halfClose` ends the sending side after the request (a body shorter than its Content-Length);
 * Node aborts a request still in progress when its client does that, so it is off by default.
 * Rejects when the server neither answers nor closes within `timeoutMs`.
 */
export function sendRawRequest(
  url: string,
  request: string | Buffer,
  options: { timeoutMs?: number; halfClose?: boolean } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const timeoutMs = options.timeoutMs ?? 5_000;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: hostname, port: Number(port) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    // A reset after the answer is still an answer; what matters is what arrived.
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(parseRawResponse(Buffer.concat(chunks)));
    });
    if (options.halfClose) socket.end(request);
    else socket.write(request);
  });
}

function parseRawResponse(bytes: Buffer): RawResponse {
  const raw = bytes.toString("latin1");
  const headerEnd = raw.indexOf("\r\n\r\n");
  const head = headerEnd === -1 ? raw : raw.slice(0, headerEnd);
  const [statusLine = "", ...headerLines] = head.split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const bodyBytes =
    headerEnd === -1 ? Buffer.alloc(0) : bytes.subarray(Buffer.byteLength(head, "latin1") + 4);
  const length = Number(headers["content-length"]);
  const body = (Number.isInteger(length) ? bodyBytes.subarray(0, length) : bodyBytes).toString("utf8");
  return { status: status === undefined ? null : Number(status), headers, body, raw };
}
