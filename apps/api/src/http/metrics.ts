import type { Express, NextFunction, Request, Response } from "express";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics of the API process (prom-client): requests by method, route pattern and
 * status, and their latency; plus Node's process metrics. Served at `GET /metrics`, which, like
 * the health endpoints, needs no API key: expose it to the scraper, not to the internet.
 */
export function installMetrics(app: Express, sources: { waitingRequests(): number }): void {
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

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.on("finish", () => {
      // The pattern, not the path: ids would make a series per contact.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      seconds.observe({ method: req.method, route }, (performance.now() - started) / 1_000);
    });
    next();
  });
  app.get("/metrics", async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
}
