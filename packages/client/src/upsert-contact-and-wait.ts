import type { ContactUpsertRequest, JobResponse, UpsertClient } from "./index";

export interface UpsertContactAndWaitOptions {
  /** Sent as `Idempotency-Key`, so a retry after a lost answer cannot write twice. */
  idempotencyKey?: string;
  /** How long to wait for the job before giving up (default 30 s). */
  timeoutMs?: number;
}

/** The longest wait one `GET /v1/jobs/{job_id}` asks for (the service's default cap). */
const longPollS = 30;

/**
 * `PUT /v1/contacts`, then long-polls `GET /v1/jobs/{job_id}` with `Prefer: wait=N` (the server
 * answers as soon as the job's write has finished, or after N s with the job as it is) until the
 * job has succeeded or failed. Throws on an error answer (with its code) or when the job does not
 * finish in time.
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
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const waitS = Math.min(longPollS, Math.max(1, Math.ceil((deadline - Date.now()) / 1000)));
    const { data, error } = await client.GET("/v1/jobs/{job_id}", {
      params: { path: { job_id: jobId }, header: { prefer: `wait=${waitS}` } },
    });
    if (error) throw new Error(`${error.error.code}: ${error.error.message}`);
    if (data.data.status === "succeeded" || data.data.status === "failed") return data.data;
    if (Date.now() >= deadline) throw new Error(`job ${jobId} did not finish in time`);
  }
}
