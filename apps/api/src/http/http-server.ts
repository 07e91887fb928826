import { createServer, type Server } from "node:http";
import type { Express } from "express";
import type { ApiEnv } from "../config";

/** What one slow or greedy client may hold of a process (see the README's configuration table). */
export interface HttpServerLimits {
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  /**
   * How often Node looks for requests past their timeouts. Its default, 30 s, would let a slow
   * client keep its connection up to that much longer than the timeouts say.
   */
  timeoutCheckIntervalMs?: number;
}

export function httpServerLimitsOf(env: ApiEnv): HttpServerLimits {
  return {
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
    keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: env.HTTP_MAX_CONNECTIONS,
  };
}

/**
 * The HTTP server for `app`. A client that sends its headers or body too slowly gets a 408 and
 * its connection closed; connections beyond `maxConnections` are closed as they arrive, so a
 * flood of idle sockets cannot exhaust the process's file descriptors or memory.
 */
export function createHttpServer(app: Express, limits: HttpServerLimits): Server {
  const server = createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.timeoutCheckIntervalMs ?? 1_000,
    },
    app,
  );
  server.maxConnections = limits.maxConnections;
  return server;
}
