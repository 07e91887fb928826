import { createRequire } from "node:module";
import path from "node:path";
import express, { Router } from "express";
import { createOpenApiDocument } from "../openapi/document";

// Swagger UI's static bundle, served from node_modules: the docs page loads nothing from elsewhere.
function swaggerUiDirectory(): string {
  return path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
}

const docsPage = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Contact upsert API</title>
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
  </head>
  <body>
    <div id="docs"></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
const docsInit = `window.ui = SwaggerUIBundle({
  url: "/v1/openapi.json",
  dom_id: "#docs",
  deepLinking: true,
  validatorUrl: null,
});
`;

/** `GET /v1/openapi.json` and the docs page `GET /docs`; both unauthenticated. */
export function createDocsRouter(): Router {
  const router = Router();
  // Built on first request (about 60 ms), not with the app: most processes never serve it.
  let document: string | undefined;

  router.get("/v1/openapi.json", (_req, res) => {
    document ??= JSON.stringify(createOpenApiDocument());
    res.type("application/json").send(document);
  });
  router.get("/docs", (_req, res) => {
    res.type("html").send(docsPage);
  });
  router.get("/docs/init.js", (_req, res) => {
    res.type("application/javascript").send(docsInit);
  });
  router.use("/docs/assets", express.static(swaggerUiDirectory(), { index: false, maxAge: "1h" }));
  return router;
}
