import { describe, expect, it } from "vitest";
import { createConcurrencyLimit } from "./adaptive-concurrency";

/**
 * A worker with a deep backlog in front of a machine that runs `cores` jobs at full speed: a job
 * takes `costMs` alone and `costMs × inFlight / cores` once more than `cores` run (the cores are
 * shared). Time is simulated; `cores` and `cost` may change with it. Returns what a user would see.
 */
function simulate(options: {
  cores: number | ((nowMs: number) => number);
  max: number;
  cost: (nowMs: number) => number;
  forMs: number;
}) {
  const cores = typeof options.cores === "number" ? () => options.cores as number : options.cores;
  let clock = 0;
  let concurrency = 1;
  const limit = createConcurrencyLimit({
    max: options.max,
    now: () => clock,
    onChange: (next) => {
      concurrency = next;
    },
  });
  const running: { endsAt: number; end: (timed: boolean) => void }[] = [];
  const runTimes: { at: number; ms: number; inFlight: number }[] = [];
  while (clock < options.forMs) {
    while (running.length < concurrency) {
      const inFlight = running.length + 1;
      const ms = options.cost(clock) * Math.max(1, inFlight / cores(clock));
      running.push({ endsAt: clock + ms, end: limit.started() });
      runTimes.push({ at: clock + ms, ms, inFlight });
    }
    running.sort((a, b) => a.endsAt - b.endsAt);
    const next = running.shift();
    if (!next) break;
    clock = next.endsAt;
    next.end(true);
  }
  const lastSecond = runTimes.filter((run) => run.at > options.forMs - 1_000);
  return {
    limit: limit.limit,
    jobsPerS: lastSecond.length,
    meanRunMs: lastSecond.reduce((sum, run) => sum + run.ms, 0) / lastSecond.length,
    mostAtOnce: Math.max(...runTimes.map((run) => run.inFlight)),
  };
}

describe("adaptive write concurrency", () => {
  it("runs about as many jobs at once as the machine can, for its full throughput at near no-load run times", () => {
    const result = simulate({ cores: 4, max: 50, cost: () => 4, forMs: 20_000 });
    // The machine's throughput is 4 cores / 4 ms = 1,000 jobs/s. The limit keeps a couple of runs
    // beyond the cores (its headroom of 2), not 50.
    expect(result.jobsPerS).toBeGreaterThanOrEqual(950);
    expect(result.limit).toBeGreaterThanOrEqual(4);
    expect(result.limit).toBeLessThanOrEqual(4 * 1.25 + 2);
    expect(result.meanRunMs).toBeLessThanOrEqual(2 * 4);
  });

  it("uses the whole ceiling when the jobs mostly wait (a remote database, many connections)", () => {
    const result = simulate({ cores: 200, max: 50, cost: () => 10, forMs: 10_000 });
    expect(result.limit).toBe(50);
    expect(result.mostAtOnce).toBe(50);
    expect(result.jobsPerS).toBeGreaterThanOrEqual(4_900);
  });

  it("does not hold dearer work to the old no-load time: the limit recovers after the next probe", () => {
    // At 30 s every job becomes three times dearer (say, the import moved on to new accounts).
    const result = simulate({ cores: 4, max: 50, cost: (now) => (now < 30_000 ? 4 : 12), forMs: 90_000 });
    expect(result.limit).toBeGreaterThanOrEqual(4);
    expect(result.jobsPerS).toBeGreaterThanOrEqual(0.95 * (4 / 12) * 1_000);
  });

  it("goes down again when the machine gets busier (fewer cores for this worker)", () => {
    // Another process takes three of the four cores at 20 s.
    const result = simulate({
      cores: (now) => (now < 20_000 ? 4 : 1),
      max: 50,
      cost: () => 4,
      forMs: 40_000,
    });
    // 1.25 × its one core, plus the headroom of 2, rounded: not the 7 it ran with on 4 cores.
    expect(result.limit).toBeLessThanOrEqual(4);
    expect(result.jobsPerS).toBeGreaterThanOrEqual(0.95 * 250);
    expect(result.meanRunMs).toBeLessThanOrEqual(4 * 4);
  });

  it("lets another job run beside one stuck for over a second (a lock held elsewhere), even at a limit of 1", () => {
    let clock = 0;
    const limits: number[] = [];
    const limit = createConcurrencyLimit({ max: 50, now: () => clock, onChange: (n) => limits.push(n) });
    expect(limit.limit).toBe(1);
    const endStuck = limit.started();
    clock = 1_500;
    limit.tick();
    expect(limit.limit).toBe(2);
    endStuck(true);
    limit.tick();
    expect(limit.limit).toBe(1);
    expect(limits).toEqual([2, 1]);
  });
});
