import { setTimeout as sleep } from "node:timers/promises";
import { type components, createUpsertClient } from "@upsert/client";
import { CliError } from "../cli.errors";
import type { CustomFieldType } from "./csv-contact-row";

type Schemas = components["schemas"];

/** A row's error as the failed rows' file records it: a rejected item's, a failed job's or the CLI's own. */
export interface ApiError {
  code: string;
  message: string;
  details?: unknown;
}

/** What the import reads of `POST /v1/contacts/batch`'s answer (the 202, or a 200 with `Prefer: wait`). */
export type BatchAccepted = Pick<Schemas["AcceptedBatch"], "batch_id" | "accepted" | "rejected">;
export type BatchView = Schemas["BatchResponse"];
export type BatchStatus = BatchView["status"];
export type BatchItemView = Schemas["BatchItem"];

const finishedStatuses = new Set<BatchStatus>(["succeeded", "partially_failed", "failed"]);

export function isFinished(batch: BatchView): boolean {
  return finishedStatuses.has(batch.status);
}

/** Answers worth asking again: the service is briefly unavailable (a retry of a POST is safe: idempotency key). */
const retriedStatuses = new Set([502, 503, 504]);

/** Items of `GET /v1/batches/{batch_id}/items` asked for per page. */
const failedItemsPageSize = 100;

export interface BatchApiOptions {
  apiUrl: string;
  apiKey: string;
  /** Told each time the API said 429, with the wait it asked for. */
  onRateLimited?: (waitMs: number) => void;
}

type SendRequest = (input: Request) => Promise<Response>;

/** One answer of the typed client: the success envelope, or the error envelope, of its operation. */
interface Answer<Envelope> {
  data?: Envelope;
  error?: Schemas["PublicErrorResponse"];
  response: Response;
}

/**
 * The few calls of the batch endpoints an import makes, through `@upsert/client` (typed by the
 * API's OpenAPI document), with 429 Retry-After and outage retries.
 */
export function createBatchApi(options: BatchApiOptions) {
  const base = options.apiUrl.replace(/\/+$/, "");
  const client = createUpsertClient({ baseUrl: base, apiKey: options.apiKey });

  /**
   * Sends `request` (again after a 429, an outage status or a connection error) until it answers
   * 2xx; `label` names the call in errors. `request` gets the fetch to send with, which notes the
   * status so that an answer whose body cannot be read is still reported with it.
   */
  async function call<Envelope extends { data: unknown }>(
    label: string,
    request: (send: SendRequest) => Promise<Answer<Envelope>>,
  ): Promise<Envelope> {
    let outageRetries = 0;
    for (;;) {
      let status: number | undefined;
      const send: SendRequest = async (input) => {
        const res = await fetch(input);
        status = res.status;
        return res;
      };
      let answer: Answer<Envelope>;
      try {
        answer = await request(send);
      } catch (err) {
        if (status !== undefined) throw new CliError(`the API answered ${label} with ${status}`);
        if (outageRetries++ < 5) {
          await sleep(500 * 2 ** outageRetries);
          continue;
        }
        throw new CliError(
          `cannot reach the API at ${base} (${(err as Error).cause ?? (err as Error).message}); is it running and is --api-url right?`,
        );
      }
      const { response } = answer;
      if (response.status === 429) {
        const waitMs = retryAfterMs(response.headers.get("retry-after"));
        options.onRateLimited?.(waitMs);
        await sleep(waitMs);
        continue;
      }
      if (retriedStatuses.has(response.status) && outageRetries++ < 5) {
        await sleep(500 * 2 ** outageRetries);
        continue;
      }
      if (response.ok && answer.data?.data !== undefined) return answer.data;
      // An answer that is not the API's own (a proxy's page) has no error envelope.
      const error = typeof answer.error === "object" ? answer.error?.error : undefined;
      throw new CliError(
        `the API answered ${label} with ${response.status}${error ? ` ${error.code}: ${error.message}` : ""}`,
      );
    }
  }

  return {
    /** Contact custom fields' types by key, to turn cells into numbers and booleans. */
    async customFieldTypes(): Promise<Map<string, CustomFieldType>> {
      const { data } = await call("GET /v1/custom-fields?entity=contacts", (send) =>
        client.GET("/v1/custom-fields", { params: { query: { entity: "contacts" } }, fetch: send }),
      );
      return new Map(data.map((field) => [field.key.toLowerCase(), field.type]));
    },
    async submit(items: readonly Record<string, unknown>[], idempotencyKey: string): Promise<BatchAccepted> {
      const body = {
        // Rows go as the file has them (a bad cell passed on as text), so that the API's own
        // per-item validation names what is wrong; a valid row is a ContactUpsertRequest.
        items: items as Schemas["ContactUpsertRequest"][],
        idempotency_key: idempotencyKey,
      };
      const { data } = await call("POST /v1/contacts/batch", (send) =>
        client.POST("/v1/contacts/batch", { body, fetch: send }),
      );
      return data;
    },
    /** Polls the batch (each poll waits server-side with `Prefer: wait`) until it has finished. */
    async waitFinished(batchId: string, onProgress: (batch: BatchView) => void): Promise<BatchView> {
      for (;;) {
        const { data: batch } = await call(`GET /v1/batches/${batchId}`, (send) =>
          client.GET("/v1/batches/{batch_id}", {
            params: { path: { batch_id: batchId }, header: { prefer: "wait=10" } },
            fetch: send,
          }),
        );
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
        const label = `GET /v1/batches/${batchId}/items?status=failed&page=${page}&page_size=${failedItemsPageSize}`;
        const { data, pagination } = await call(label, (send) =>
          client.GET("/v1/batches/{batch_id}/items", {
            params: {
              path: { batch_id: batchId },
              query: { status: "failed", page, page_size: failedItemsPageSize },
            },
            fetch: send,
          }),
        );
        items.push(...data);
        if (data.length === 0 || page >= pagination.total_pages) return items;
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
