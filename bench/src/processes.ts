import { type AppProcess, findFreePort, startAppProcess, startTsProcess, waitFor } from "@upsert/testing";
import type { Cleanup } from "./cleanup";

export interface HttpServerProcess {
  name: string;
  url: string;
  process: AppProcess;
}

export interface StackEnv {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
}

/** The project's API as production runs it (`apps/api/src/main.ts`), on a port of its own. */
export async function startProjectApi(
  env: StackEnv,
  cleanup: Cleanup,
  extraEnv: Record<string, string> = {},
): Promise<HttpServerProcess> {
  const port = await findFreePort();
  const api = startAppProcess("api", {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: env.queuePrefix,
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    // A load test sends far more than 100 requests per minute per org: the limiter still counts
    // each (its cost is part of the measurement) but at its highest setting.
    RATE_LIMIT_PER_MINUTE: "100000",
    ...extraEnv,
  });
  return awaitHealthy("project api", api, `http://127.0.0.1:${port}`, cleanup);
}

/** One of the reference servers in bench/baselines (see baseline-app.ts). */
export async function startBaseline(
  kind: "a" | "b",
  env: StackEnv & { keys: Record<string, string> },
  cleanup: Cleanup,
): Promise<HttpServerProcess> {
  const port = await findFreePort();
  const server = startTsProcess(`bench/baselines/baseline-${kind}.server.ts`, {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: env.queuePrefix,
    PORT: String(port),
    BASELINE_KEYS: JSON.stringify(env.keys),
  });
  return awaitHealthy(`baseline ${kind.toUpperCase()}`, server, `http://127.0.0.1:${port}`, cleanup);
}

/** Worker processes (`apps/worker/src/main.ts`); the caller waits for them through the queue. */
export function startWorkers(count: number, env: Record<string, string>, cleanup: Cleanup): AppProcess[] {
  return Array.from({ length: count }, (_, i) => {
    const worker = startAppProcess("worker", { LOG_LEVEL: "warn", METRICS_PORT: "0", ...env });
    cleanup.add(`stop worker ${i + 1} (pid ${worker.pid})`, () => worker.stop());
    return worker;
  });
}

/** Throws with the process's output when it has exited (a crash at start-up, bad config). */
export function assertRunning(name: string, proc: AppProcess): void {
  if (!proc.isRunning()) throw new Error(`${name} (pid ${proc.pid}) exited:\n${proc.output().slice(-3_000)}`);
}

async function awaitHealthy(
  name: string,
  proc: AppProcess,
  url: string,
  cleanup: Cleanup,
): Promise<HttpServerProcess> {
  cleanup.add(`stop ${name} (pid ${proc.pid})`, () => proc.stop());
  await waitFor(
    async () => {
      if (!proc.isRunning()) return "exited";
      const res = await fetch(`${url}/readyz`);
      return res.ok ? "up" : false;
    },
    { timeoutMs: 60_000, intervalMs: 100, message: `${name} did not answer /readyz` },
  );
  assertRunning(name, proc);
  return { name, url, process: proc };
}
