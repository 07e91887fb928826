import {
  type IncomingMessage,
  maxHeaderSize,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "@upsert/config";
import { errorBody } from "./envelope";
import { codeOfClientStatus } from "./error-handler";

/** What Node's HTTP parser (llhttp) and server report, as a status and a message for the caller. */
function describeProtocolError(code: string | undefined, headerLimitBytes: number) {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return {
        status: 431,
        message: `The request line and headers are larger than the ${Math.floor(headerLimitBytes / 1024)} KiB this server accepts.`,
      };
    case "HPE_INVALID_METHOD":
      return { status: 400, message: "The request method is not an HTTP method this server knows." };
    case "HPE_INVALID_CHUNK_SIZE":
      return {
        status: 400,
        message: "The chunked request body is malformed: a chunk size is not a hexadecimal number.",
      };
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return { status: 413, message: "The chunked request body's chunk extensions are too large." };
    case "HPE_INVALID_HEADER_TOKEN":
      return { status: 400, message: "A request header has a malformed name or value." };
    case "HPE_INVALID_CONTENT_LENGTH":
    case "HPE_UNEXPECTED_CONTENT_LENGTH":
      return {
        status: 400,
        message: "The Content-Length header is malformed or contradicts Transfer-Encoding.",
      };
    case "HPE_INVALID_TRANSFER_ENCODING":
      return { status: 400, message: "The Transfer-Encoding header is malformed." };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { status: 408, message: "The request did not arrive in time." };
    default:
      return { status: 400, message: "The request is not valid HTTP/1.1." };
  }
}

// How long an answered connection is kept to read and drop what the client is still sending:
// closing with unread data makes the kernel reset the connection, and a reset can discard the
// answer before the client has read it.
const lingerMs = 1_000;

/** A minimal HTTP response with the envelope as its body, written straight to the socket. */
function answerOnSocket(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      "Content-Type: application/json; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Connection: close\r\n\r\n" +
      body,
  );
  const linger = setTimeout(() => socket.destroy(), lingerMs);
  socket.once("close", () => clearTimeout(linger));
}

/**
 * Answers, in the contract's error envelope, what Node's HTTP server would otherwise answer with
 * an empty body or not at all:
 * - what never becomes a request (a malformed request line, an unknown method, headers over the
 *   limit, a bad chunk size): a minimal response, then the connection is closed. Nothing is
 *   written when the socket is gone or a response on it has already started; then it is only
 *   destroyed;
 * - `CONNECT` (Node would close the connection without a word): 405;
 * - an `Expect` header other than `100-continue`: 417.
 */
export function answerProtocolErrors(server: Server, logger: Logger): void {
  // The response in progress on each connection, so an answer never interleaves with one.
  const current = new WeakMap<Duplex, ServerResponse>();
  const answered = new WeakSet<Duplex>();
  server.on("request", (req, res: ServerResponse) => current.set(req.socket, res));

  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    // The parser reports each later chunk of a connection it gave up on again: answer once.
    if (answered.has(socket)) return;
    answered.add(socket);
    const inProgress = current.get(socket);
    if (
      err.code === "ECONNRESET" ||
      !socket.writable ||
      (inProgress?.headersSent && !inProgress.writableEnded)
    ) {
      socket.destroy();
      return;
    }
    const { status, message } = describeProtocolError(err.code, maxHeaderSize);
    const code = codeOfClientStatus(status);
    // Never err itself: its rawPacket holds what the client sent, credentials included.
    logger.warn({ status, code, parserError: err.code }, message);
    answerOnSocket(socket, status, code, message);
  });

  server.on("connect", (_req: IncomingMessage, socket: Duplex) => {
    const message = "CONNECT is not supported: this server is not a proxy.";
    const code = codeOfClientStatus(405);
    logger.warn({ status: 405, code }, message);
    answerOnSocket(socket, 405, code, message);
  });

  server.on("checkExpectation", (_req: IncomingMessage, res: ServerResponse) => {
    const message = "Only `Expect: 100-continue` is supported.";
    const code = codeOfClientStatus(417);
    logger.warn({ status: 417, code }, message);
    const body = JSON.stringify(errorBody(code, message));
    res.writeHead(417, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(body),
      Connection: "close",
    });
    res.end(body);
  });
}
