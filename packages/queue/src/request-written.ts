import type { Redis } from "./redis";

/**
 * The pub/sub channel on which workers announce that a request's write has finished (succeeded or
 * failed: its intake row is final), under the queue prefix so deployments sharing a Redis stay
 * apart. A persisted identifier like the queue names: API and workers of one version must agree.
 * Only the write is announced, never the enrichment that may follow it.
 */
export const requestWrittenChannel = (prefix: string) => `${prefix}:request-written`;

/** Tells waiting API requests that this request's write has finished. The message is the id. */
export async function announceRequestWritten(redis: Redis, prefix: string, requestId: string): Promise<void> {
  await redis.publish(requestWrittenChannel(prefix), requestId);
}

export type WaitOutcome = "written" | "timeout" | "aborted";

export interface RequestWaiter {
  /** Settles once: announced written, `timeoutMs` passed, or the signal aborted. */
  settled: Promise<WaitOutcome>;
  /** Stops waiting (idempotent); `settled` then resolves `aborted` if it had not settled. */
  cancel(): void;
}

export interface RequestWrittenListener {
  /**
   * Waits for the announcement of `requestId`'s write. The waiter is registered when this returns,
   * so a read of the request made afterwards cannot miss a write announced after that read.
   */
  wait(requestId: string, options: { timeoutMs: number; signal?: AbortSignal }): RequestWaiter;
  /** Requests currently waiting (metrics, tests). */
  waiting(): number;
  close(): Promise<void>;
}

interface Waiter {
  settle(outcome: WaitOutcome): void;
}

/**
 * One subscription per process, however many requests wait: `subscriber` (a connection of its own,
 * which Redis puts in subscriber mode) listens on the channel and a map routes each announcement
 * to the requests waiting for that id. Announcements are not stored: one sent while the
 * subscriber is reconnecting is lost, and its waiters end at their timeout (the caller then reads
 * the row, which is the truth either way). ioredis resubscribes after a reconnect.
 */
export function createRequestWrittenListener(options: {
  subscriber: Redis;
  prefix: string;
}): RequestWrittenListener {
  const channel = requestWrittenChannel(options.prefix);
  const waiters = new Map<string, Set<Waiter>>();
  const { subscriber } = options;
  let closed = false;

  const onMessage = (from: string, requestId: string) => {
    if (from !== channel) return;
    const set = waiters.get(requestId);
    if (!set) return;
    for (const waiter of set) waiter.settle("written");
  };
  subscriber.on("message", onMessage);
  // Connection errors are reported by the caller's own listener; a failed SUBSCRIBE is retried by
  // ioredis's resubscription after the reconnect.
  subscriber.subscribe(channel).catch(() => undefined);

  return {
    wait(requestId, { timeoutMs, signal }) {
      let resolveSettled: (outcome: WaitOutcome) => void = () => {};
      const settled = new Promise<WaitOutcome>((resolve) => {
        resolveSettled = resolve;
      });
      let done = false;
      const waiter: Waiter = {
        settle(outcome) {
          if (done) return;
          done = true;
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          const set = waiters.get(requestId);
          set?.delete(waiter);
          if (set?.size === 0) waiters.delete(requestId);
          resolveSettled(outcome);
        },
      };
      const onAbort = () => waiter.settle("aborted");
      const timer = setTimeout(() => waiter.settle("timeout"), timeoutMs);
      let set = waiters.get(requestId);
      if (!set) {
        set = new Set();
        waiters.set(requestId, set);
      }
      set.add(waiter);
      // Once closed (shutting down) nothing will be announced: a late waiter ends at once.
      if (closed || signal?.aborted) waiter.settle("aborted");
      else signal?.addEventListener("abort", onAbort, { once: true });
      return { settled, cancel: () => waiter.settle("aborted") };
    },
    waiting() {
      let count = 0;
      for (const set of waiters.values()) count += set.size;
      return count;
    },
    async close() {
      closed = true;
      subscriber.off("message", onMessage);
      for (const set of [...waiters.values()]) for (const waiter of [...set]) waiter.settle("aborted");
      // With Redis unreachable the command would wait in ioredis's offline queue for ever; the
      // connection is closed next anyway, which ends the subscription too.
      if (subscriber.status === "ready") await subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}
