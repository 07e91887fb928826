import { createHash, timingSafeEqual } from "node:crypto";
import { createBullBoard } from "@bull-board/api";
import { ExpressAdapter } from "@bull-board/express";
import type { DashboardQueues } from "@upsert/queue";
import { type RequestHandler, Router } from "express";
import { sendError } from "./envelope";

export const queueDashboardPath = "/admin/queues";
const cookieName = "upsert_admin_token";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Constant-time: both sides are hashed to the same length first, so no timing says how much matched. */
function isAdminToken(given: string | undefined, expected: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(";") ?? []) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) {
      try {
        return decodeURIComponent(value.join("="));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Only ADMIN_TOKEN opens the dashboard: as `Authorization: Bearer <token>` (scripts), or for a
 * browser once as `?token=<token>`, which is exchanged for an HttpOnly cookie scoped to the
 * dashboard and a redirect to the same page without it (the token leaves the address bar and
 * history; the request log redacts `token` values anyway).
 */
function requireAdminToken(adminToken: string): RequestHandler {
  return (req, res, next) => {
    const bearer = /^Bearer (.+)$/i.exec(req.get("authorization") ?? "")?.[1];
    const queryToken = typeof req.query.token === "string" ? req.query.token : undefined;
    if (queryToken !== undefined && isAdminToken(queryToken, adminToken)) {
      res.cookie(cookieName, adminToken, {
        httpOnly: true,
        sameSite: "strict",
        secure: req.secure,
        path: queueDashboardPath,
      });
      res.redirect(303, `${req.baseUrl}${req.path === "/" ? "" : req.path}` || queueDashboardPath);
      return;
    }
    if (
      isAdminToken(bearer, adminToken) ||
      isAdminToken(cookieValue(req.get("cookie"), cookieName), adminToken)
    ) {
      next();
      return;
    }
    res.set("WWW-Authenticate", 'Bearer realm="queue dashboard"');
    sendError(res, 401, "unauthorized", "The queue dashboard needs the admin token (ADMIN_TOKEN).");
  };
}

/** bull-board over the service's queues, behind the admin token. Mount at queueDashboardPath. */
export function createQueueDashboardRouter(options: { queues: DashboardQueues; adminToken: string }): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(queueDashboardPath);
  createBullBoard({
    queues: options.queues.adapters,
    serverAdapter,
    options: { uiConfig: { boardTitle: "Contact upsert queues" } },
  });
  const router = Router();
  router.use(requireAdminToken(options.adminToken), serverAdapter.getRouter());
  return router;
}
