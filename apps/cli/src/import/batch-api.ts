import { setTimeout as sleep } from "node:timers/promises";
import { CliError } from "../cli.errors";
import type { CustomFieldType } from "./csv-contact-row";

export interface ApiError {
  code: string;
  message: string;
  details?: unknown;
}

export interface BatchAccepted {
  batch_id: string;
  accepted: number;
  rejected: { index: number; error: ApiError }[];
}

export type BatchStatus = "queued" | "running" | "succeeded" | "partially_failed" | "failed";

export interface BatchView {
  batch_id?: string;
  id?: string;
  status: BatchStatus;
  counts: {
    queued: number;
    running: number;
    succeeded: number;
    failed: number;
    created: number;
    updated: number;
  };
}

export interface BatchItemView {
  index: number;
  job_id: string;
  status: string;
  error?: ApiError | null;
}

const finishedStatuses = new Set<BatchStatus>(["succeeded", "partially_failed", "failed"]);

export function isFinished(batch: BatchView): boolean {
  return finishedStatuses.has(batch.status);
}

/** Answers worth asking again: the service is briefly unavailable (a retry of a POST is safe: idempotency key). */
const retriedStatuses = new Set([502, 503, 504]);

export interface BatchApiOptions {
  apiUrl: string;
  apiKey: string;
  /** Told each time the API said 429, with the wait it asked for. */
  onRateLimited?: (waitMs: number) => void;
}

/** The few calls of the batch endpoints an import makes, with 429 Retry-After and outage retries. */
export function createBatchApi(options: BatchApiOptions) {
  const base = options.apiUrl.replace(/\/+$/, "");
  const headers = { authorization: `Bearer ${options.apiKey}`, "content-type": "application/json" };

  interface Envelope<T> {
    data: T;
    pagination?: { page: number; total_pages: number };
  }

  async function call<T>(
    method: string,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<Envelope<T>> {
    let outageRetries = 0;
    for (;;) {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers: { ...headers, ...extra },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        if (outageRetries++ < 5) {
          await sleep(500 * 2 ** outageRetries);
          continue;
        }
        throw new CliError(
          `cannot reach the API at ${base} (${(err as Error).cause ?? (err as Error).message}); is it running and is --api-url right?`,
        );
      }
      if (res.status === 429) {
        const waitMs = retryAfterMs(res.headers.get("retry-after"));
        options.onRateLimited?.(waitMs);
        await res.body?.cancel();
        await sleep(waitMs);
        continue;
      }
      if (retriedStatuses.has(res.status) && outageRetries++ < 5) {
        await res.body?.cancel();
        await sleep(500 * 2 ** outageRetries);
        continue;
      }
      const json = (await res.json().catch(() => null)) as
        | (Partial<Envelope<T>> & { error?: ApiError })
        | null;
      if (res.ok && json?.data !== undefined) return { data: json.data, pagination: json.pagination };
      const error = json?.error;
      throw new CliError(
        `the API answered ${method} ${path} with ${res.status}${error ? ` ${error.code}: ${error.message}` : ""}`,
      );
    }
  }

  return {
    /** Contact custom fields' types by key, to turn cells into numbers and booleans. */
    async customFieldTypes(): Promise<Map<string, CustomFieldType>> {
      const { data } = await call<{ key: string; type: CustomFieldType }[]>(
        "GET",
        "/v1/custom-fields?entity=contacts",
      );
      return new Map(data.map((field) => [field.key.toLowerCase(), field.type]));
    },
    async submit(items: unknown[], idempotencyKey: string): Promise<BatchAccepted> {
      const body = { items, idempotency_key: idempotencyKey };
      return (await call<BatchAccepted>("POST", "/v1/contacts/batch", body)).data;
    },
    /** Polls the batch (each poll waits server-side with `Prefer: wait`) until it has finished. */
    async waitFinished(batchId: string, onProgress: (batch: BatchView) => void): Promise<BatchView> {
      for (;;) {
        const path = `/v1/batches/${batchId}`;
        const { data: batch } = await call<BatchView>("GET", path, undefined, { prefer: "wait=10" });
        onProgress(batch);
        if (isFinished(batch)) return batch;
        // Polls count against the organisation's rate limit: at most about one a second per batch.
        await sleep(1_000);
      }
    },
    /** Every failed item of a finished batch, page by page. */
    async failedItems(batchId: string): Promise<BatchItemView[]> {
      const items: BatchItemView[] = [];
      for (let page = 1; ; page += 1) {
        const path = `/v1/batches/${batchId}/items?status=failed&page=${page}&page_size=100`;
        const { data, pagination } = await call<BatchItemView[]>("GET", path);
        items.push(...data);
        if (data.length === 0 || page >= (pagination?.total_pages ?? page)) return items;
      }
    },
  };
}

/** Retry-After in seconds (or an HTTP date); 1 s when absent or unreadable. */
export function retryAfterMs(header: string | null): number {
  if (header === null) return 1_000;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.max(seconds * 1_000, 100);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(date - Date.now(), 100) : 1_000;
}

export type BatchApi = ReturnType<typeof createBatchApi>;
