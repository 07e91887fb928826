import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from "@upsert/testing";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../testing/start-test-api";

// The docs page in a real headless Chromium: Debian's package (scripts/ensure-chromium.sh
// installs it), never a browser downloaded by Playwright.
const chromiumPath = "/usr/bin/chromium";
const chromiumFlags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let database: TestDatabase;
let api: TestApi;
let userDataDir: string;
let browser: BrowserContext;

beforeAll(async () => {
  database = await createTestDatabase();
  api = await startTestApi({
    databaseUrl: database.url,
    redisUrl: "redis://127.0.0.1:6379",
    queuePrefix: uniqueQueuePrefix(),
  });
  userDataDir = await mkdtemp(path.join(tmpdir(), "docs-page-chromium-"));
  // A persistent context is how Playwright takes a profile directory: a fresh one per run.
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumFlags,
  });
});

afterAll(async () => {
  await browser?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  await api?.close();
  await database?.drop();
});

describe("GET /docs in a browser", () => {
  it("renders the upsert operation from /v1/openapi.json, loading nothing from outside localhost", async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));

    const response = await page.goto(`${api.url}/docs`);
    expect(response?.status()).toBe(200);

    const upsert = page.locator("#operations-Contacts-upsert_contact");
    await upsert.waitFor({ state: "visible", timeout: 20_000 });
    await expect.poll(() => upsert.locator(".opblock-summary-method").textContent()).toBe("PUT");
    expect(await upsert.locator(".opblock-summary-path").textContent()).toBe("/v1/contacts");
    expect(await upsert.locator(".opblock-summary-description").textContent()).toBe("Upsert a Contact");

    // Opened, it shows the headers and the request body generated from the route's zod schema.
    await upsert.locator(".opblock-summary").click();
    await upsert.locator(".opblock-body").waitFor({ state: "visible", timeout: 10_000 });
    const opened = (await upsert.textContent()) ?? "";
    expect(opened).toContain("idempotency-key");
    expect(opened).toContain("Request body");
    expect(opened).toContain('"linkedin_url"');
    expect(opened).toContain("202");

    expect(requested).toContain(`${api.url}/v1/openapi.json`);
    const outside = requested.filter((url) => !["127.0.0.1", "localhost"].includes(new URL(url).hostname));
    expect(outside, "requests the docs page made outside localhost").toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("serves the document without an API key, and /docs too", async () => {
    const document = await api.call("GET", "/v1/openapi.json");
    expect(document.status).toBe(200);
    expect((document.body as { openapi: string }).openapi).toBe("3.1.0");
    const docs = await fetch(`${api.url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-type")).toMatch(/^text\/html/);
    // The rest of /v1 still needs a key.
    expect((await api.call("GET", "/v1/tags")).status).toBe(401);
  });
});
