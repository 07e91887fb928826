import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "./logger";

/** What a Prometheus registry offers (prom-client's `Registry`), without this package importing it. */
export interface MetricsSource {
  contentType: string;
  metrics(): Promise<string>;
}

/** Each dependency's answer: `{ postgres: true, redis: false }`; ready when all are true. */
export type ReadinessCheck = () => Promise<Record<string, boolean>>;

export interface OpsServer {
  port: number;
  server: Server;
  close(): Promise<void>;
}

/**
 * The operator's port of a process, apart from any public one: `GET /metrics` (Prometheus text),
 * `GET /healthz` (the process is alive) and `GET /readyz` (its dependencies answer: 200, else 503).
 * Bodies use the API's envelopes. Resolves once listening; `port` is the bound one (0 picks one).
 */
export async function startOpsServer(options: {
  port: number;
  host: string;
  logger: Logger;
  metrics: MetricsSource;
  checkReadiness: ReadinessCheck;
}): Promise<OpsServer> {
  const { logger, metrics, checkReadiness } = options;
  const sendJson = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
  const meta = () => ({ timestamp: new Date().toISOString() });

  const server = createServer((req, res) => {
    const path = req.url?.split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return void res.writeHead(405, { allow: "GET" }).end();
    if (path === "/healthz") return sendJson(res, 200, { data: { status: "ok" }, meta: meta() });
    if (path === "/readyz") {
      checkReadiness().then(
        (checks) =>
          Object.values(checks).every(Boolean)
            ? sendJson(res, 200, { data: { status: "ready", checks }, meta: meta() })
            : sendJson(res, 503, {
                error: {
                  code: "service_unavailable",
                  message: "A dependency is not answering.",
                  details: checks,
                },
              }),
        (err: unknown) => {
          logger.warn({ err }, "readiness check failed");
          sendJson(res, 503, { error: { code: "service_unavailable", message: "Readiness check failed." } });
        },
      );
      return;
    }
    if (path === "/metrics") {
      metrics.metrics().then(
        (text) => res.writeHead(200, { "content-type": metrics.contentType }).end(text),
        (err: unknown) => {
          logger.warn({ err }, "metrics collection failed");
          res.writeHead(500).end();
        },
      );
      return;
    }
    sendJson(res, 404, {
      error: { code: "not_found", message: "Only /metrics, /healthz and /readyz here." },
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  logger.info({ port }, "metrics listening");
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
