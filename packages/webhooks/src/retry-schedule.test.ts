import { describe, expect, it } from "vitest";
import { nextAttemptAt } from "./retry-schedule";

const schedule = { baseDelayMs: 1_000, maxDelayMs: 60_000, windowMs: 3_600_000 };
const createdAt = new Date("2026-12-02T00:00:00Z");
const at = (ms: number) => new Date(createdAt.getTime() + ms);

describe("nextAttemptAt", () => {
  it("doubles the delay after each failed attempt, up to the cap", () => {
    const delays = [1, 2, 3, 4, 10].map(
      (attempts) =>
        (nextAttemptAt(schedule, { attempts, createdAt, now: at(0) }, () => 0.999999)?.getTime() ?? 0) -
        createdAt.getTime(),
    );
    expect(delays.map((d) => Math.round(d))).toEqual([1_000, 2_000, 4_000, 8_000, 60_000]);
  });

  it("jitters each delay between half and all of its step", () => {
    const low = nextAttemptAt(schedule, { attempts: 3, createdAt, now: at(0) }, () => 0);
    const high = nextAttemptAt(schedule, { attempts: 3, createdAt, now: at(0) }, () => 0.999999);
    expect(low?.getTime()).toBe(createdAt.getTime() + 2_000);
    expect(Math.round((high?.getTime() ?? 0) - createdAt.getTime())).toBe(4_000);
    const drawn = new Set(
      Array.from({ length: 20 }, () =>
        nextAttemptAt(schedule, { attempts: 3, createdAt, now: at(0) })?.getTime(),
      ),
    );
    expect(drawn.size).toBeGreaterThan(1);
  });

  it("makes the last attempt at the end of the window, then gives up", () => {
    expect(nextAttemptAt(schedule, { attempts: 20, createdAt, now: at(3_599_000) })).toEqual(at(3_600_000));
    expect(nextAttemptAt(schedule, { attempts: 21, createdAt, now: at(3_600_000) })).toBeNull();
  });
});
