import { spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { personEmail } from "./contact-bodies";
import { type DrainContext, type DrainStack, waitForWorkers } from "./drain.bench";
import { startCpuMeter, waitUntilQuiet } from "./process-cpu";
import { assertRunning, startWorkers } from "./processes";

const repoRoot = path.resolve(import.meta.dirname, "../..");

export interface BatchImportRun {
  contacts: number;
  workers: number;
  /** The CLI's own summary line (`pnpm cli import --json`). */
  summary: {
    rows: number;
    created: number;
    updated: number;
    failed: number;
    batches: number;
    rate_limited_waits: number;
  };
  seconds: number;
  per_s: number;
  /** Machine CPU ms per contact: CLI + API + worker(s) + Postgres backends + Redis. */
  cpu_ms_per_contact: number;
  cli_cpu_ms_per_contact: number;
  api_cpu_ms_per_contact: number;
  worker_cpu_ms_per_contact: number;
  postgres_cpu_ms_per_contact: number;
  redis_cpu_ms_per_contact: number;
  machine_busy_pct: number;
}

/**
 * `contacts` new people imported end to end: a CSV written first, then `pnpm cli import` (a
 * process, as a user runs it) sends it through `POST /v1/contacts/batch` to the drain stack's
 * API while `workers` worker processes write it; timed from the CLI's start until every contact
 * is written and enriched (the CLI itself returns once every batch has finished). The people are
 * the drains' creates (same fields, same mix of companies), so the rate compares with theirs.
 */
export async function runBatchImport(
  context: DrainContext,
  stack: DrainStack,
  options: { contacts: number; workers: number },
): Promise<BatchImportRun> {
  const { log, cleanup } = context;
  const dir = await mkdtemp(path.join(tmpdir(), "upsert-bench-import-"));
  cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  log(`batch import: starting ${options.workers} worker(s)`);
  const workers = startWorkers(options.workers, stack.workerEnv, cleanup);
  try {
    await waitForWorkers(stack.queue, workers);
    await stack.queue.resume();
    const warmFile = await writeContactsCsv(dir, "import-warm", Math.min(2_000, options.contacts));
    log("batch import: warming up (untimed)");
    await runImportCli(stack, warmFile, cleanup);
    await stack.database.client.query("ANALYZE");
    await waitUntilQuiet(workers.map((w) => w.pid));

    const file = await writeContactsCsv(dir, "import", options.contacts);
    const before = await stack.database.countFinished(stack.org.id);
    log(`batch import: ${options.contacts} contacts through pnpm cli import`);
    let cliPid = 0;
    const meter = await startCpuMeter({
      cli: () => (cliPid ? [cliPid] : []),
      api: () => [stack.api.process.pid],
      worker: () => workers.map((w) => w.pid),
      postgres: () => stack.database.backendPids(),
      redis: () => [context.redis.pid],
    });
    const started = performance.now();
    let summary: BatchImportRun["summary"];
    try {
      summary = await runImportCli(stack, file, cleanup, (pid) => {
        cliPid = pid;
      });
      for (;;) {
        const now = await stack.database.countFinished(stack.org.id);
        if (now.finished - before.finished >= options.contacts) break;
        for (const [i, worker] of workers.entries()) assertRunning(`worker ${i + 1}`, worker);
        await sleep(25);
      }
    } catch (err) {
      // The meter samples the database's backends: stop it before cleanup closes the connection.
      await meter.stop().catch(() => undefined);
      throw err;
    }
    const seconds = (performance.now() - started) / 1_000;
    const usage = await meter.stop();
    await stack.queue.pause();
    const per = (group: string) => (usage.ms[group] ?? 0) / options.contacts;
    const run: BatchImportRun = {
      contacts: options.contacts,
      workers: options.workers,
      summary,
      seconds,
      per_s: options.contacts / seconds,
      cpu_ms_per_contact: ["cli", "api", "worker", "postgres", "redis"].reduce((sum, g) => sum + per(g), 0),
      cli_cpu_ms_per_contact: per("cli"),
      api_cpu_ms_per_contact: per("api"),
      worker_cpu_ms_per_contact: per("worker"),
      postgres_cpu_ms_per_contact: per("postgres"),
      redis_cpu_ms_per_contact: per("redis"),
      machine_busy_pct: (100 * usage.machineBusyMs) / (usage.elapsedMs * availableParallelism()),
    };
    log(`batch import: ${run.per_s.toFixed(1)} contacts/s, ${run.cpu_ms_per_contact.toFixed(2)} ms CPU each`);
    return run;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** The drains' create bodies (see createBody) as CSV rows. */
async function writeContactsCsv(dir: string, tag: string, count: number): Promise<string> {
  const file = path.join(dir, `${tag}.csv`);
  const out = createWriteStream(file);
  out.write("email,first_name,last_name,title\n");
  for (let i = 0; i < count; i += 1) {
    const line = `${personEmail(tag, i, { knownDomains: true })},First${i},Last${i},Engineer\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
  return file;
}

/** `pnpm cli import --json` as its own process (what `pnpm cli` runs), on the stack's API and key. */
async function runImportCli(
  stack: DrainStack,
  file: string,
  cleanup: DrainContext["cleanup"],
  onStart: (pid: number) => void = () => {},
): Promise<BatchImportRun["summary"]> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "apps/cli/src/main.ts",
      "import",
      "--org",
      stack.org.id,
      "--api-url",
      stack.api.url,
      "--api-key",
      stack.org.key,
      "--json",
      file,
    ],
    {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? "", DATABASE_URL: stack.database.url },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  onStart(child.pid ?? 0);
  // Ctrl-C or a failure elsewhere: the CLI goes with the rest (a no-op once it has exited).
  cleanup.add(`stop pnpm cli import (pid ${child.pid})`, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0)
    throw new Error(`pnpm cli import exited ${code}: ${stderr.slice(-2_000)}${stdout.slice(-500)}`);
  return JSON.parse(stdout) as BatchImportRun["summary"];
}
