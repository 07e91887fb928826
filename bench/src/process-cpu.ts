import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

let clockTicks: number | undefined;

/** Kernel clock ticks per second (USER_HZ), the unit of /proc's CPU times. */
function ticksPerSecond(): number {
  clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  return clockTicks;
}

/** CPU a process has used so far (user + system, all its threads), in ms; null once it is gone. */
export function readProcessCpuMs(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces; fields are counted after its closing ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]); // field 14
  const stime = Number(fields[12]); // field 15
  return ((utime + stime) * 1_000) / ticksPerSecond();
}

/** The whole machine's busy CPU so far (every process, every core, other users' too), in ms. */
export function readMachineBusyMs(): number {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return ((total - idle) * 1_000) / ticksPerSecond();
}

/** Lists the pids of one group now (e.g. a database's backends, which come and go). */
export type PidSource = () => number[] | Promise<number[]>;

export interface CpuUsage {
  /** CPU ms used by each group's processes while the meter ran. */
  ms: Record<string, number>;
  /** The whole machine's busy CPU ms meanwhile (includes other users of this machine). */
  machineBusyMs: number;
  elapsedMs: number;
}

export interface CpuMeter {
  stop(): Promise<CpuUsage>;
}

/**
 * Measures the CPU of groups of processes from /proc/<pid>/stat. Groups are sampled every
 * `intervalMs`, so a process that exits in between (a closed Postgres connection) still counts
 * up to its last sample; one that appears counts from its start.
 */
export async function startCpuMeter(groups: Record<string, PidSource>, intervalMs = 250): Promise<CpuMeter> {
  const seen = new Map<string, Map<number, { first: number; last: number }>>();
  for (const name of Object.keys(groups)) seen.set(name, new Map());

  const sample = async (initial: boolean) => {
    for (const [name, source] of Object.entries(groups)) {
      const pids = await source();
      const byPid = seen.get(name) ?? new Map();
      for (const pid of pids) {
        const ms = readProcessCpuMs(pid);
        if (ms === null) continue;
        const entry = byPid.get(pid);
        if (entry) entry.last = ms;
        else byPid.set(pid, { first: initial ? ms : 0, last: ms });
      }
    }
  };

  await sample(true);
  const startedAt = performance.now();
  const machineAtStart = readMachineBusyMs();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await sleep(intervalMs);
      if (!stopped) await sample(false);
    }
  })();

  return {
    async stop() {
      stopped = true;
      await loop;
      await sample(false);
      const ms: Record<string, number> = {};
      for (const [name, byPid] of seen) {
        ms[name] = [...byPid.values()].reduce((sum, { first, last }) => sum + (last - first), 0);
      }
      return {
        ms,
        machineBusyMs: readMachineBusyMs() - machineAtStart,
        elapsedMs: performance.now() - startedAt,
      };
    },
  };
}

/** Waits (at most `maxMs`) until the processes use less than `quietMs` of CPU per 500 ms. */
export async function waitUntilQuiet(pids: number[], options: { quietMs?: number; maxMs?: number } = {}) {
  const { quietMs = 25, maxMs = 10_000 } = options;
  const deadline = Date.now() + maxMs;
  const total = () => pids.reduce((sum, pid) => sum + (readProcessCpuMs(pid) ?? 0), 0);
  let before = total();
  while (Date.now() < deadline) {
    await sleep(500);
    const now = total();
    if (now - before < quietMs) return;
    before = now;
  }
}
