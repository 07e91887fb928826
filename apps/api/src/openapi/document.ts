import { createDocument, type ZodOpenApiPathsObject } from "zod-openapi";
import { accountsPaths } from "./accounts.openapi";
import { batchesPaths } from "./batches.openapi";
import { bearerSecurityScheme } from "./components";
import { contactsPaths } from "./contacts.openapi";
import { customFieldsPaths } from "./custom-fields.openapi";
import { healthPaths } from "./health.openapi";
import { jobsPaths } from "./jobs.openapi";
import { schemasPaths } from "./schemas.openapi";
import { tagsPaths } from "./tags.openapi";
import { webhooksPaths } from "./webhooks.openapi";

// One entry per resource module; a new resource adds its module here.
const resourcePaths: ZodOpenApiPathsObject[] = [
  contactsPaths,
  accountsPaths,
  jobsPaths,
  batchesPaths,
  tagsPaths,
  customFieldsPaths,
  schemasPaths,
  webhooksPaths,
  healthPaths,
];

/** Merges path items, so two modules may describe different methods of one path. */
function mergePaths(parts: ZodOpenApiPathsObject[]): ZodOpenApiPathsObject {
  const merged: ZodOpenApiPathsObject = {};
  for (const part of parts) {
    for (const [path, item] of Object.entries(part)) merged[path] = { ...merged[path], ...item };
  }
  return merged;
}

export type OpenApiDocument = ReturnType<typeof createDocument>;

/**
 * The OpenAPI 3.1 document, built from the zod schemas the routes validate with (request bodies
 * are rendered as their input, responses as their output).
 */
export function createOpenApiDocument(): OpenApiDocument {
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "Contact upsert API",
      version: "1.0.0",
      description:
        "Monaco's contact contract (`PUT /v1/contacts` and its neighbours), answered asynchronously: every write is recorded durably and answered 202 with a job to poll, or, with `Prefer: wait=N`, with Monaco's synchronous answer when the write finishes within N seconds. Success bodies are `{ data, meta: { timestamp } }`, errors `{ error: { code, message, details? } }`. Every authenticated answer carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix seconds): each organisation may make 100 requests a minute (sliding window) unless configured otherwise, and over it the answer is 429 `rate_limited` with `Retry-After`.",
    },
    servers: [{ url: "/", description: "This server" }],
    security: [{ apiKeyBearer: [] }],
    components: { securitySchemes: { apiKeyBearer: bearerSecurityScheme } },
    paths: mergePaths(resourcePaths),
  });
}
