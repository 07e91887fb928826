import type { IntakeRecord } from "@upsert/db";

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
export function toAcceptedView(request: IntakeRecord) {
  return {
    job_id: request.id,
    status: request.status,
    operation: request.operation,
    created_at: request.createdAt.toISOString(),
    links: { self: jobLink(request.id) },
  };
}
