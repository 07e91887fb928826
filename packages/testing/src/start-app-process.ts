import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

export interface AppProcess {
  pid: number;
  /** False once the process has exited. */
  isRunning(): boolean;
  /** Everything the process printed (JSON log lines), for assertions on what it did. */
  output(): string;
  /** SIGTERM, then wait for exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL: a crash, for fault tests. */
  kill(): Promise<void>;
}

const repoRoot = path.resolve(import.meta.dirname, "../../..");

/** Starts `apps/<app>/src/main.ts` as its own Node process, as production runs it. */
export function startAppProcess(app: "api" | "worker", env: Record<string, string>): AppProcess {
  // A free port for each worker's metrics, so test workers never collide on the default. Tests
  // send far more than Monaco's 100 requests per minute per org: an API counts them at the
  // limiter's highest setting unless the test sets its own.
  const limits: Record<string, string> = app === "api" ? { RATE_LIMIT_PER_MINUTE: "100000" } : {};
  return startTsProcess(`apps/${app}/src/main.ts`, {
    LOG_LEVEL: "info",
    METRICS_PORT: "0",
    ...limits,
    ...env,
  });
}

/**
 * `CPU_PROFILE_DIR=<dir>` (set for a benchmark or test run) makes every process started here write
 * a V8 CPU profile there when it exits (`--cpu-prof` cannot be given through NODE_OPTIONS).
 */
function cpuProfileFlags(): string[] {
  const dir = process.env.CPU_PROFILE_DIR;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
}

/**
 * Starts a TypeScript entry point (a path from the repository root) as its own Node process through
 * tsx, with only PATH and `env` in its environment.
 */
export function startTsProcess(entry: string, env: Record<string, string>): AppProcess {
  return startNodeProcess([...cpuProfileFlags(), "--import", "tsx", entry], { cwd: repoRoot, env });
}

/**
 * Starts `node <args>` in `cwd` with only PATH and `env` in its environment: e.g. a compiled app
 * from a production install, as its image's CMD runs it.
 */
export function startNodeProcess(
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): AppProcess {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    pid: child.pid ?? -1,
    isRunning: () => child.exitCode === null && child.signalCode === null,
    output: () => output,
    async stop(timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
}
