import type { ContactUpsertRequest, JobResponse, UpsertClient } from "./index";

export interface UpsertContactAndWaitOptions {
  /** Sent as `Idempotency-Key`, so a retry after a lost answer cannot write twice. */
  idempotencyKey?: string;
  /** How long to poll the job before giving up (default 30 s). */
  timeoutMs?: number;
  /** Pause between polls (default: the 202's `Retry-After`, else 1 s). */
  intervalMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `PUT /v1/contacts`, then polls `GET /v1/jobs/{job_id}` until the job has succeeded or failed.
 * Throws on an error answer (with its code) or when the job does not finish in time.
 */
export async function upsertContactAndWait(
  client: UpsertClient,
  contact: ContactUpsertRequest,
  options: UpsertContactAndWaitOptions = {},
): Promise<JobResponse> {
  const accepted = await client.PUT("/v1/contacts", {
    body: contact,
    params: { header: options.idempotencyKey ? { "idempotency-key": options.idempotencyKey } : {} },
  });
  if (accepted.error) throw new Error(`${accepted.error.error.code}: ${accepted.error.error.message}`);
  const answered = accepted.data.data;
  // Without `Prefer: wait` the answer is always the 202 with the job.
  if (!("job_id" in answered)) throw new Error("expected 202 with a job, got the contact");
  const jobId = answered.job_id;
  const retryAfterMs = Number(accepted.response.headers.get("retry-after")) * 1000 || 1000;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const { data, error } = await client.GET("/v1/jobs/{job_id}", { params: { path: { job_id: jobId } } });
    if (error) throw new Error(`${error.error.code}: ${error.error.message}`);
    if (data.data.status === "succeeded" || data.data.status === "failed") return data.data;
    if (Date.now() >= deadline) throw new Error(`job ${jobId} did not finish in time`);
    await sleep(options.intervalMs ?? retryAfterMs);
  }
}
