import { createLogger } from "@upsert/config";
import { describe, expect, it } from "vitest";
import { type AppDeps, createApp } from "../app";
import { createApiMetrics } from "../http/metrics";
import { createOpenApiDocument } from "./document";

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: RouteLayer[] };
}

/** `METHOD /path/{}` for every route the app registers (Express 5 keeps them on app.router). */
function routesOf(app: ReturnType<typeof createApp>): string[] {
  const routes: string[] = [];
  const visit = (layers: RouteLayer[]) => {
    for (const layer of layers) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          routes.push(`${method.toUpperCase()} ${layer.route.path.replace(/:\w+/g, "{}")}`);
        }
      }
      if (layer.handle?.stack) visit(layer.handle.stack);
    }
  };
  visit((app as unknown as { router: { stack: RouteLayer[] } }).router.stack);
  return routes.sort();
}

// Routes that are not part of the API: the docs page's own files. (`/metrics` is on METRICS_PORT.)
const undocumented = ["GET /docs", "GET /docs/init.js"];

describe("the OpenAPI document", () => {
  const document = createOpenApiDocument();

  it("describes every route the app serves, and nothing it does not", () => {
    // Routes are only registered here; no dependency is used until a request arrives.
    const app = createApp({
      logger: createLogger({ name: "api", level: "silent" }),
      metrics: createApiMetrics({ waitingRequests: () => 0 }),
    } as unknown as AppDeps);
    const documented = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      ["get", "put", "post", "patch", "delete"]
        .filter((method) => item[method as keyof typeof item])
        .map((method) => `${method.toUpperCase()} ${path.replace(/\{\w+\}/g, "{}")}`),
    );
    expect(documented.sort()).toEqual(routesOf(app).filter((route) => !undocumented.includes(route)));
  });

  it("is OpenAPI 3.1 with Monaco's bearer scheme, required everywhere except the public operations", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.components?.securitySchemes?.apiKeyBearer).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    expect(document.security).toEqual([{ apiKeyBearer: [] }]);
    const publicOperations = Object.entries(document.paths ?? {})
      .filter(([, item]) => item.get?.security?.length === 0)
      .map(([path]) => path);
    expect(publicOperations.sort()).toEqual(["/healthz", "/readyz", "/v1/openapi.json"]);
  });

  it("gives every operation a unique operationId and an error response in the envelope", () => {
    const operations = Object.values(document.paths ?? {}).flatMap((item) =>
      [item.get, item.put, item.post, item.patch, item.delete].filter((operation) => operation !== undefined),
    );
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const operation of operations.filter((o) => o.security === undefined)) {
      expect(operation.responses?.["401"], operation.operationId).toMatchObject({
        content: { "application/json": { schema: { $ref: "#/components/schemas/PublicErrorResponse" } } },
      });
    }
  });
});
