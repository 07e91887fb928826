import type { AcceptedRequest, IntakeRecord } from "@upsert/db";
import type { Request, Response } from "express";
import { sendData } from "./envelope";

export const jobLink = (id: string) => `/v1/jobs/${id}`;

/** GET /v1/jobs/:id representation of an intake row. */
export function toJobView(request: IntakeRecord) {
  return {
    id: request.id,
    operation: request.operation,
    status: request.status,
    stage: request.status === "running" ? request.stage : null,
    attempts: request.attempts,
    created_at: request.createdAt.toISOString(),
    started_at: request.startedAt?.toISOString() ?? null,
    finished_at: request.finishedAt?.toISOString() ?? null,
    result: request.result ?? null,
    error: request.error ?? null,
    links: { self: jobLink(request.id) },
  };
}

/** The 202 body of an accepted (or replayed) request. */
export function toAcceptedView(request: AcceptedRequest) {
  return {
    job_id: request.id,
    status: request.status,
    operation: request.operation,
    created_at: request.createdAt.toISOString(),
    links: { self: jobLink(request.id) },
  };
}

/** Answers 202 for an accepted (or replayed) request: the job, where to poll it, when to ask. */
export function sendAccepted(
  req: Request,
  res: Response,
  accepted: { request: AcceptedRequest; replayed: boolean },
  logMessage: string,
): void {
  const { request, replayed } = accepted;
  res.set({ Location: jobLink(request.id), "Job-Id": request.id, "Retry-After": "1" });
  if (replayed) res.set("Idempotent-Replayed", "true");
  req.log.info({ jobId: request.id, replayed }, logMessage);
  sendData(res, 202, toAcceptedView(request));
}
