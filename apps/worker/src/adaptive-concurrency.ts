/**
 * How many write jobs a worker runs at once, found from how long they take (a gradient limit, as
 * in TCP Vegas or Netflix's concurrency-limits). Past the point where the database and the cores
 * are busy, one more job at a time adds no throughput, only waiting: each run is slower, and so is
 * every other organisation's next job, which then waits inside the worker (for a pool connection,
 * for the CPU) where no queue priority reaches. So the limit keeps the backlog in the queue, where
 * fairness between organisations is decided.
 *
 * Runs are timed in windows of at least `minWindow` runs (and at least the limit). Each window's
 * mean run time `rtt` is compared with the no-load time `baseline`: while rtt stays within
 * `tolerance` × baseline and the window used the whole limit, the limit grows by `headroom`;
 * beyond it, it shrinks in proportion (by half at most per window). The baseline is the fastest
 * window seen since the last probe: every `probeIntervalMs`, one window runs at a limit of 1 and
 * its time becomes the new baseline, so a workload that became dearer (other records, a slower
 * database) is not held to an old one. A run still going after `parkAfterMs` is waiting on
 * something (a lock another transaction holds), not using the machine: it does not count against
 * the limit (`tick()` looks), so a few stuck runs never hold up the rest, even at a limit of 1.
 */
export interface ConcurrencyLimitOptions {
  /** The ceiling (WORKER_CONCURRENCY). */
  max: number;
  minWindow?: number;
  tolerance?: number;
  headroom?: number;
  probeIntervalMs?: number;
  parkAfterMs?: number;
  /** Told each new limit (the BullMQ worker's `concurrency`). */
  onChange(limit: number): void;
  now?: () => number;
}

export interface ConcurrencyLimit {
  /** The limit now (whole jobs). */
  readonly limit: number;
  /** A run began; call what it returns once, when it ends, with `timed` false for a run that waited or failed. */
  started(): (timed: boolean) => void;
  /** Looks for runs going on longer than `parkAfterMs` (call it every so often). */
  tick(): void;
}

export function createConcurrencyLimit(options: ConcurrencyLimitOptions): ConcurrencyLimit {
  const {
    max,
    minWindow = 10,
    tolerance = 1.25,
    headroom = 2,
    probeIntervalMs = 30_000,
    parkAfterMs = 1_000,
  } = options;
  const now = options.now ?? (() => performance.now());
  let limit = 1;
  let applied = 1;
  let baseline = Number.POSITIVE_INFINITY;
  // The first window runs at 1, so it is the first probe.
  let probing = true;
  let limitBeforeProbe = Math.min(max, 2);
  let lastProbe = now();
  /** When each run in flight began. */
  const running = new Set<{ began: number }>();
  let parked = 0;
  let window = { runs: 0, totalMs: 0, busiest: 0 };

  const apply = () => {
    const whole = Math.min(max, Math.max(1, Math.round(limit)) + parked);
    if (whole !== applied) {
      applied = whole;
      options.onChange(whole);
    }
  };

  const closeWindow = () => {
    const rtt = window.totalMs / window.runs;
    const used = window.busiest >= applied;
    window = { runs: 0, totalMs: 0, busiest: running.size };
    if (probing) {
      probing = false;
      baseline = rtt;
      limit = limitBeforeProbe;
    } else {
      baseline = Math.min(baseline, rtt);
      const gradient = Math.max(0.5, Math.min(1, (tolerance * baseline) / rtt));
      const next = limit * gradient + headroom;
      // A window that never had `limit` runs at once says nothing about a higher one.
      limit = Math.max(1, Math.min(max, used ? next : Math.min(limit, next)));
    }
    if (now() - lastProbe >= probeIntervalMs) {
      lastProbe = now();
      probing = true;
      limitBeforeProbe = limit;
      limit = 1;
    }
    apply();
  };

  return {
    get limit() {
      return applied;
    },
    started() {
      const run = { began: now() };
      running.add(run);
      window.busiest = Math.max(window.busiest, running.size);
      // A probe times only runs that had the worker to themselves (not the ones it began with).
      const alone = running.size === 1;
      return (timed) => {
        running.delete(run);
        if (!timed || (probing && !alone)) return;
        window.runs += 1;
        window.totalMs += now() - run.began;
        if (window.runs >= Math.max(minWindow, applied)) closeWindow();
      };
    },
    tick() {
      const since = now() - parkAfterMs;
      parked = [...running].filter((run) => run.began <= since).length;
      apply();
    },
  };
}
