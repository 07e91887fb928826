import { Router } from "express";
import { sendData, sendError } from "../http/envelope";

export type ReadinessCheck = () => Promise<Record<string, boolean>>;

export function createHealthRouter(deps: { checkReadiness: ReadinessCheck }): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => sendData(res, 200, { status: "ok" }));
  router.get("/readyz", async (_req, res) => {
    const checks = await deps.checkReadiness();
    if (Object.values(checks).every(Boolean)) return sendData(res, 200, { status: "ready", checks });
    return sendError(res, 503, "service_unavailable", "A dependency is not answering.", checks);
  });
  return router;
}
