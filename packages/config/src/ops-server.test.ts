import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "./logger";
import { type OpsServer, startOpsServer } from "./ops-server";

const logger = createLogger({ name: "ops-test", level: "silent" });
const metrics = { contentType: "text/plain; version=0.0.4", metrics: async () => "up 1\n" };
let ops: OpsServer | undefined;

afterEach(async () => {
  await ops?.close();
  ops = undefined;
});

async function get(path: string): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(`http://127.0.0.1:${ops?.port}${path}`);
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

describe("the operator's port", () => {
  it("serves metrics, liveness and readiness when every dependency answers", async () => {
    ops = await startOpsServer({
      port: 0,
      host: "127.0.0.1",
      logger,
      metrics,
      checkReadiness: async () => ({ postgres: true, redis: true }),
    });
    expect(await get("/metrics")).toEqual({ status: 200, type: metrics.contentType, body: "up 1\n" });
    expect(JSON.parse((await get("/healthz")).body).data).toEqual({ status: "ok" });
    const ready = await get("/readyz");
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body).data).toEqual({ status: "ready", checks: { postgres: true, redis: true } });
    expect((await get("/v1/contacts")).status).toBe(404);
  });

  it("answers 503 naming the dependency that is down, and when the check itself fails", async () => {
    let check = async (): Promise<Record<string, boolean>> => ({ postgres: true, redis: false });
    ops = await startOpsServer({
      port: 0,
      host: "127.0.0.1",
      logger,
      metrics,
      checkReadiness: () => check(),
    });
    const down = await get("/readyz");
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body).error).toMatchObject({
      code: "service_unavailable",
      details: { postgres: true, redis: false },
    });
    check = async () => {
      throw new Error("boom");
    };
    expect((await get("/readyz")).status).toBe(503);
    // Liveness does not depend on the dependencies.
    expect((await get("/healthz")).status).toBe(200);
  });

  it("refuses a port that is taken", async () => {
    ops = await startOpsServer({
      port: 0,
      host: "127.0.0.1",
      logger,
      metrics,
      checkReadiness: async () => ({}),
    });
    await expect(
      startOpsServer({
        port: ops.port,
        host: "127.0.0.1",
        logger,
        metrics,
        checkReadiness: async () => ({}),
      }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
