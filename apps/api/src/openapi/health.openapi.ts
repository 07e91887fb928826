import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { dataResponse, errorResponses, itemEnvelope } from "./components";

const unauthenticated = { security: [] };

export const healthPaths: ZodOpenApiPathsObject = {
  "/healthz": {
    get: {
      ...unauthenticated,
      operationId: "get_liveness",
      tags: ["Operations"],
      summary: "Liveness",
      responses: {
        "200": dataResponse(
          "The process is alive",
          itemEnvelope("Liveness", z.strictObject({ status: z.literal("ok") })),
        ),
      },
    },
  },
  "/readyz": {
    get: {
      ...unauthenticated,
      operationId: "get_readiness",
      tags: ["Operations"],
      summary: "Readiness",
      responses: {
        "200": dataResponse(
          "Postgres and Redis answer",
          itemEnvelope(
            "Readiness",
            z.strictObject({ status: z.literal("ready"), checks: z.record(z.string(), z.boolean()) }),
          ),
        ),
        ...errorResponses(503),
      },
    },
  },
  "/v1/openapi.json": {
    get: {
      ...unauthenticated,
      operationId: "get_openapi_document",
      tags: ["Operations"],
      summary: "This document",
      responses: { "200": { description: "The OpenAPI 3.1 document" } },
    },
  },
};
