import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../testing/start-test-api";

let database: TestDatabase;
let withDashboard: TestApi;
let withoutDashboard: TestApi;
const adminToken = "test-admin-token-0123456789";

beforeAll(async () => {
  database = await createTestDatabase();
  const options = { databaseUrl: database.url, redisUrl: "redis://127.0.0.1:6379" };
  withDashboard = await startTestApi({ ...options, queuePrefix: uniqueQueuePrefix(), adminToken });
  withoutDashboard = await startTestApi({ ...options, queuePrefix: uniqueQueuePrefix() });
});

afterAll(async () => {
  await withDashboard?.close();
  await withoutDashboard?.close();
  await database?.drop();
});

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe("queue dashboard at /admin/queues", () => {
  it("does not exist without ADMIN_TOKEN (404, even with a token)", async () => {
    expect((await withoutDashboard.call("GET", "/admin/queues")).status).toBe(404);
    expect((await withoutDashboard.call("GET", "/admin/queues", bearer(adminToken))).status).toBe(404);
  });

  it("answers 401 without the token or with a wrong one, in the error envelope", async () => {
    const none = await withDashboard.call("GET", "/admin/queues");
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { code: "unauthorized" } });
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await withDashboard.call("GET", "/admin/queues", bearer(`${adminToken}x`))).status).toBe(401);
    expect((await withDashboard.call("GET", "/admin/queues/api/queues", bearer("short"))).status).toBe(401);
    expect((await withDashboard.call("GET", "/admin/queues?token=wrong")).status).toBe(401);
  });

  it("serves the board with the token, listing the upsert, enrichment and webhook queues", async () => {
    const page = await withDashboard.call("GET", "/admin/queues", bearer(adminToken));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const queues = await withDashboard.call("GET", "/admin/queues/api/queues", bearer(adminToken));
    expect(queues.status).toBe(200);
    const names = (queues.body as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(["contact-enrichment", "contact-upsert", "webhook-delivery"]);
  });

  it("logs a browser in with ?token= once: an HttpOnly cookie, and a redirect that drops the token", async () => {
    const res = await fetch(`${withDashboard.url}/admin/queues?token=${adminToken}`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/queues");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Path=\/admin\/queues/);
    const cookiePair = cookie.split(";")[0] ?? "";
    const queues = await withDashboard.call("GET", "/admin/queues/api/queues", {
      headers: { cookie: cookiePair },
    });
    expect(queues.status).toBe(200);
    const wrongCookie = await withDashboard.call("GET", "/admin/queues/api/queues", {
      headers: { cookie: "upsert_admin_token=nope" },
    });
    expect(wrongCookie.status).toBe(401);
  });
});
