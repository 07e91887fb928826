export interface RetrySchedule {
  /** Delay after the first failed attempt; doubled after each further one. */
  baseDelayMs: number;
  /** Longest delay between two attempts. */
  maxDelayMs: number;
  /** No attempt is made later than this after the event (the last one is at the window's end). */
  windowMs: number;
}

/**
 * When the next attempt of a delivery is due after `attempts` failed ones, or null when the
 * window is spent: exponential backoff (base × 2^(attempts-1), capped) with jitter (each delay is
 * drawn from 50-100 % of its step, so receivers that failed together are not retried together).
 * `random` returns a number in [0, 1).
 */
export function nextAttemptAt(
  schedule: RetrySchedule,
  input: { attempts: number; createdAt: Date; now: Date },
  random: () => number = Math.random,
): Date | null {
  const deadline = input.createdAt.getTime() + schedule.windowMs;
  const now = input.now.getTime();
  if (now >= deadline) return null;
  const step = Math.min(schedule.maxDelayMs, schedule.baseDelayMs * 2 ** Math.max(0, input.attempts - 1));
  const delay = Math.round(step * (0.5 + random() / 2));
  return new Date(Math.min(now + delay, deadline));
}
