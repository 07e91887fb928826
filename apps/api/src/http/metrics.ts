import type { NextFunction, Request, RequestHandler, Response } from "express";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface ApiMetrics {
  /** Served on the operator's port (METRICS_PORT), never on the public one. */
  registry: Registry;
  /** Counts every answered request by method, route pattern and status, and times it. */
  countRequests: RequestHandler;
}

/**
 * Prometheus metrics of the API process (prom-client): requests by method, route pattern and
 * status, and their latency; requests waiting on their write; plus Node's process metrics.
 */
export function createApiMetrics(sources: { waitingRequests(): number }): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: "upsert_http_waiting_requests",
    help: "Requests waiting for their write (Prefer: wait), all on one Redis subscription.",
    registers: [registry],
    collect() {
      this.set(sources.waitingRequests());
    },
  });
  const requests = new Counter({
    name: "upsert_http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status.",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const seconds = new Histogram({
    name: "upsert_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by method and route pattern.",
    labelNames: ["method", "route"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  const countRequests = (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.on("finish", () => {
      // The pattern, not the path: ids would make a series per contact.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      seconds.observe({ method: req.method, route }, (performance.now() - started) / 1_000);
    });
    next();
  };
  return { registry, countRequests };
}
