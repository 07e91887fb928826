import type { Pool } from "./create-db";
import {
  type AcceptBatchInput,
  type AcceptBatchOutcome,
  acceptBatch,
} from "./repositories/batches.repository";
import {
  type AcceptRequestInput,
  type AcceptRequestOutcome,
  type AcceptRequestsOptions,
  acceptRequests,
} from "./repositories/intake.repository";

/** Records intake requests, coalescing concurrent ones into one statement (group commit). */
export interface IntakeRecorder {
  /** Resolves once the request has committed; rejects as acceptRequest does. */
  accept(input: AcceptRequestInput): Promise<AcceptRequestOutcome>;
  /**
   * Records a batch and all its items in one statement of its own (it is a group already); rejects
   * as acceptBatch does.
   */
  acceptBatch(input: AcceptBatchInput): Promise<AcceptBatchOutcome>;
}

export interface IntakeRecorderOptions extends AcceptRequestsOptions {
  /** Statements in flight at once; a request arriving while all are busy waits for the next one. */
  maxConcurrentStatements: number;
  /** Most requests in one statement. */
  maxBatchSize: number;
}

interface Waiting {
  input: AcceptRequestInput;
  resolve(outcome: AcceptRequestOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit: a request is sent at once when fewer than `maxConcurrentStatements` are in
 * flight (no added latency when idle); otherwise it joins the requests that arrived meanwhile, and
 * they go as one statement and one commit as soon as a statement returns. Each request is
 * answered from its own result: a bad one fails alone (acceptRequests retries the others one by
 * one), and a batch whose connection died is looked up as a whole, since it committed as a whole.
 *
 * Ordering is unchanged: a request is answered only after its batch committed, so one sent after
 * another's 202 is in a later batch, which takes the org's advisory lock after that commit and so
 * gets the larger `seq`; within a batch, rows get `seq` in arrival order and commit together.
 */
export function createIntakeRecorder(pool: Pool, options: IntakeRecorderOptions): IntakeRecorder {
  const waiting: Waiting[] = [];
  let inFlight = 0;

  const send = () => {
    while (inFlight < options.maxConcurrentStatements && waiting.length > 0) {
      const batch = waiting.splice(0, options.maxBatchSize);
      inFlight += 1;
      acceptRequests(
        pool,
        batch.map((item) => item.input),
        options,
      )
        .then(
          (results) => {
            batch.forEach((item, i) => {
              const result = results[i];
              if (!result) item.reject(new Error("acceptRequests returned no result"));
              else if (result.ok) item.resolve(result.outcome);
              else item.reject(result.error);
            });
          },
          (err: unknown) => {
            for (const item of batch) item.reject(err);
          },
        )
        .finally(() => {
          inFlight -= 1;
          send();
        });
    }
  };

  return {
    accept: (input) =>
      new Promise<AcceptRequestOutcome>((resolve, reject) => {
        waiting.push({ input, resolve, reject });
        send();
      }),
    acceptBatch: (input) => acceptBatch(pool, input, options),
  };
}
