import { setTimeout as sleep } from "node:timers/promises";

export interface WaitForOptions {
  /** Give up after this long (default 5000 ms). */
  timeoutMs?: number;
  /** Pause between polls (default 50 ms). */
  intervalMs?: number;
  /** Message of the error thrown on timeout; say what was awaited. */
  message?: string;
}

type Ready<T> = Exclude<T, false | null | undefined | 0 | "">;

/**
 * Polls `check` until it returns a truthy value, and returns that value. A throwing check counts as
 * "not yet" (so `() => expect(x).toBe(1) ?? true`-style checks work); the last error becomes the
 * timeout error's cause. Sleeps between polls and always has a deadline.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Ready<T>> {
  const { timeoutMs = 5_000, intervalMs = 50, message = "waitFor: condition not met" } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Ready<T>;
    } catch (error) {
      lastError = error;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new Error(
        `${message} (after ${timeoutMs} ms)`,
        lastError === undefined ? {} : { cause: lastError },
      );
    }
    await sleep(Math.min(intervalMs, remaining));
  }
}
