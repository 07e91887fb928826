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
    case "HPE_INVALID_EOF_STATE":
      return { status: 400, message: "The client stopped sending before the request was complete." };
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

/** Ends the connection (after `data`), destroying it if the client has not closed its side soon. */
function endGently(socket: Duplex, data?: string): void {
  socket.end(data);
  const linger = setTimeout(() => socket.destroy(), lingerMs);
  socket.once("close", () => clearTimeout(linger));
}

/**
 * A minimal HTTP response with the envelope as its body, written straight to the socket. An
 * answer to HEAD has the headers only (a body would read as garbage after the response).
 */
function answerOnSocket(
  socket: Duplex,
  answer: { status: number; code: string; message: string; head?: boolean },
): void {
  const body = JSON.stringify(errorBody(answer.code, answer.message));
  endGently(
    socket,
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\n` +
      "Content-Type: application/json; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Connection: close\r\n\r\n" +
      (answer.head ? "" : body),
  );
}

/**
 * Whether the request the parser gave up on is a HEAD, as far as can be told: the parser does not
 * say, but what it was reading (`rawPacket`) starts with the request line when the request came
 * in one piece.
 */
function looksLikeHead(err: NodeJS.ErrnoException & { rawPacket?: unknown }): boolean {
  return Buffer.isBuffer(err.rawPacket) && err.rawPacket.subarray(0, 5).toString("latin1") === "HEAD ";
}

/**
 * Answers, in the contract's error envelope, what Node's HTTP server would otherwise answer with
 * an empty body or not at all:
 * - what never becomes a request (a malformed request line, an unknown method, headers over the
 *   limit, a bad chunk size): a minimal response, then the connection is closed. When the bad
 *   bytes follow a request still being answered, that answer goes first (responses keep their
 *   order); when they are part of a request whose answer has already started, the connection is
 *   only closed;
 * - `CONNECT` (Node would close the connection without a word): 405;
 * - an `Expect` header other than `100-continue`: 417.
 */
export function answerProtocolErrors(server: Server, logger: Logger): void {
  // The latest request on each connection and its response.
  const current = new WeakMap<Duplex, { req: IncomingMessage; res: ServerResponse }>();
  const answered = new WeakSet<Duplex>();
  server.on("request", (req: IncomingMessage, res: ServerResponse) => current.set(req.socket, { req, res }));

  server.on("clientError", (err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Duplex) => {
    // The parser reports each later chunk of a connection it gave up on again: answer once.
    if (answered.has(socket)) return;
    answered.add(socket);
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const { status, message } = describeProtocolError(err.code, maxHeaderSize);
    const code = codeOfClientStatus(status);
    const answer = () => {
      // Never err itself: its rawPacket holds what the client sent, credentials included.
      logger.warn({ status, code, parserError: err.code }, message);
      answerOnSocket(socket, { status, code, message, head: looksLikeHead(err) });
    };
    const inFlight = current.get(socket);
    if (!inFlight) return answer();
    const { req, res } = inFlight;
    if (req.complete) {
      // The bad bytes come after a whole request. A request sent with `Connection: close` ends
      // the conversation: Node closes the socket after its answer, and nothing more is answered.
      if (res.writableFinished) return answer();
      res.once("close", () => {
        if (socket.writable) answer();
      });
      return;
    }
    // The bad bytes are part of this request: answer it, unless its answer has already started.
    if (!res.headersSent) return answer();
    if (res.writableFinished) return endGently(socket);
    socket.destroy();
  });

  server.on("connect", (_req: IncomingMessage, socket: Duplex) => {
    const message = "CONNECT is not supported: this server is not a proxy.";
    const code = codeOfClientStatus(405);
    logger.warn({ status: 405, code }, message);
    answerOnSocket(socket, { status: 405, code, message });
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
