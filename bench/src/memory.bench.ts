// `pnpm bench:memory`: the resident memory of the production build, as its images run it. Builds
// and installs the api and worker as the Dockerfiles do (scripts/build-prod.sh), starts each from
// that folder with the Dockerfile's NODE_OPTIONS and CMD, reads their RSS when idle, then drives
// the hot-path load (`PUT /v1/contacts`, 50 connections, new people, spread over 20 orgs) while
// the worker drains what it accepts, and reports each process's peak (VmHWM) with the V8 heap and
// the memory outside it at the moment of the highest sample. See the README's "Running in
// production".
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { type AppProcess, findFreePort, startNodeProcess, waitFor } from "@upsert/testing";
import { createBenchDatabase } from "./bench-database";
import { cleanUpOnSignals, createCleanup } from "./cleanup";
import { benchEnvSchema } from "./config";
import { createBody, personEmail } from "./contact-bodies";
import { runIntakeLoad } from "./load";
import { startCpuMeter } from "./process-cpu";
import { setUpRedis } from "./redis-setup";

const { values: flags } = parseArgs({
  options: {
    "idle-s": { type: "string", default: "30" },
    "load-s": { type: "string", default: "20" },
    connections: { type: "string", default: "50" },
    /** A folder an earlier `scripts/build-prod.sh <dir> api worker` filled: skips the build. */
    deployed: { type: "string" },
    /** Node flags instead of the CMD's (e.g. "--max-old-space-size=160"), to try settings. */
    "node-flags": { type: "string" },
  },
});
const idleS = positive("idle-s");
const loadS = positive("load-s");
const connections = positive("connections");

function positive(name: "idle-s" | "load-s" | "connections"): number {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}

/** Issue 13's targets, in MB. */
const targets = { api: { idle: 120, peak: 250 }, worker: { idle: 150, peak: 250 } } as const;
type App = keyof typeof targets;

const env = benchEnvSchema.parse(process.env);
const startedAt = Date.now();
const log = (line: string) =>
  process.stderr.write(`[bench:memory ${((Date.now() - startedAt) / 1_000).toFixed(0)}s] ${line}\n`);
const cleanup = createCleanup(log);
cleanUpOnSignals(cleanup, log);
const repoRoot = path.resolve(import.meta.dirname, "../..");

/** What the runtime stage of `apps/<app>/Dockerfile` sets and runs. */
function dockerfileRuntime(app: App): { nodeOptions: string; args: string[] } {
  const text = readFileSync(path.join(repoRoot, "apps", app, "Dockerfile"), "utf8");
  const nodeOptions = /NODE_OPTIONS=(\S+)/.exec(text)?.[1];
  const cmd = [...text.matchAll(/^CMD (\[.*\])$/gm)].at(-1)?.[1];
  if (nodeOptions === undefined || cmd === undefined)
    throw new Error(`apps/${app}/Dockerfile: no NODE_OPTIONS or CMD`);
  const [node, ...args] = JSON.parse(cmd) as string[];
  if (node !== "node") throw new Error(`apps/${app}/Dockerfile: CMD does not start with node`);
  const script = args.filter((arg) => !arg.startsWith("--"));
  const nodeFlags =
    flags["node-flags"]?.split(/\s+/).filter(Boolean) ?? args.filter((arg) => arg.startsWith("--"));
  return { nodeOptions: nodeOptions.replace(/\s*\\$/, ""), args: [...nodeFlags, ...script] };
}

const mb = (kb: number) => kb / 1024;

/** VmRSS and VmHWM (the kernel's high-water mark of RSS) of a live process, in kB. */
function readRss(pid: number): { rssKb: number; hwmKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssKb: field("VmRSS"), hwmKb: field("VmHWM") };
}

interface HeapSample {
  rssKb: number;
  /** From the app's own /metrics (prom-client's default metrics), in bytes. */
  heapTotal: number;
  heapUsed: number;
  external: number;
}

/** The process's RSS and, from its metrics port, V8's heap and the memory outside it. */
async function sample(pid: number, metricsUrl: string): Promise<HeapSample> {
  const text = await (await fetch(metricsUrl)).text();
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  return {
    rssKb: readRss(pid).rssKb,
    heapTotal: metric("nodejs_heap_size_total_bytes"),
    heapUsed: metric("nodejs_heap_size_used_bytes"),
    external: metric("nodejs_external_memory_bytes"),
  };
}

/** Seconds the process has spent in garbage collection (prom-client's per-kind GC histogram). */
async function gcSeconds(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  let total = 0;
  for (const match of text.matchAll(/^nodejs_gc_duration_seconds_sum\{[^}]*\} (\S+)$/gm))
    total += Number(match[1]);
  return total;
}

interface Started {
  app: App;
  process: AppProcess;
  /** The public port's URL (the API's). */
  url: string;
  metricsUrl: string;
  /** The sample with the highest RSS so far. */
  top: HeapSample | null;
}

try {
  let deployed = flags.deployed;
  if (deployed === undefined) {
    deployed = await mkdtemp(path.join(tmpdir(), "upsert-bench-memory-"));
    const dir = deployed;
    cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    log(`building the production install into ${dir} (scripts/build-prod.sh api worker)`);
    execFileSync("bash", ["scripts/build-prod.sh", dir, "api", "worker"], {
      cwd: repoRoot,
      stdio: "inherit",
    });
  }
  const database = await createBenchDatabase(env.DATABASE_URL, "memory", cleanup);
  const redis = await setUpRedis(null, cleanup);
  const queuePrefix = redis.newPrefix();
  const orgs = await database.createOrgs(20, "Memory");

  const start = async (app: App): Promise<Started> => {
    const { nodeOptions, args } = dockerfileRuntime(app);
    const metricsPort = await findFreePort();
    const port = await findFreePort();
    const proc = startNodeProcess(args, {
      cwd: path.join(deployed, app),
      env: {
        NODE_ENV: "production",
        NODE_OPTIONS: nodeOptions,
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        QUEUE_PREFIX: queuePrefix,
        HOST: "127.0.0.1",
        METRICS_HOST: "127.0.0.1",
        METRICS_PORT: String(metricsPort),
        LOG_LEVEL: "warn",
        ...(app === "api"
          ? // The load sends far more than Monaco's 100 requests per minute per org.
            { PORT: String(port), RATE_LIMIT_PER_MINUTE: "100000" }
          : // As compose runs a worker; the built-in enrichment answers at once, as in the hot-path
            // benchmark's drains (its simulated 2 s would make the drain a wait).
            { WORKER_CONCURRENCY: "50", DATABASE_POOL_SIZE: "10", ENRICHMENT_LATENCY_MS: "0" }),
      },
    });
    cleanup.add(`stop ${app} (pid ${proc.pid})`, () => proc.stop());
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    await waitFor(
      async () => {
        if (!proc.isRunning()) throw new Error(`${app} exited:\n${proc.output().slice(-3_000)}`);
        return (await fetch(`${metricsUrl}/readyz`).catch(() => null))?.ok ?? false;
      },
      { timeoutMs: 60_000, intervalMs: 200, message: `${app} did not answer /readyz` },
    );
    return {
      app,
      process: proc,
      url: `http://127.0.0.1:${port}`,
      metricsUrl: `${metricsUrl}/metrics`,
      top: null,
    };
  };
  const api = await start("api");
  const worker = await start("worker");
  const processes = [api, worker];

  log(`idle: ${idleS} s after both answered /readyz`);
  await new Promise((resolve) => setTimeout(resolve, idleS * 1_000));
  const idle = Object.fromEntries(processes.map((p) => [p.app, readRss(p.process.pid).rssKb])) as Record<
    App,
    number
  >;

  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const p of processes) {
        const s = await sample(p.process.pid, p.metricsUrl).catch(() => null);
        if (s && (p.top === null || s.rssKb > p.top.rssKb)) p.top = s;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  const gcBefore = await Promise.all(processes.map((p) => gcSeconds(p.metricsUrl)));
  const meter = await startCpuMeter({ api: () => [api.process.pid], worker: () => [worker.process.pid] });
  log(`load: PUT /v1/contacts, ${connections} connections for ${loadS} s, the worker draining`);
  const load = await runIntakeLoad({
    url: api.url,
    keys: orgs.map((org) => org.key),
    connections,
    length: { durationS: loadS },
    tag: "memory",
    email: (tag, i) => personEmail(tag, i, { knownDomains: false }),
    body: createBody,
  });
  log(
    `accepted ${load.responses - load.non2xx} (${load.rps.toFixed(0)}/s); waiting for the worker to drain them`,
  );
  const accepted = load.responses - load.non2xx;
  await waitFor(
    async () => {
      let finished = 0;
      for (const org of orgs) finished += (await database.countFinished(org.id)).finished;
      return finished >= accepted;
    },
    { timeoutMs: 900_000, intervalMs: 1_000, message: "the worker did not drain the load" },
  );
  sampling = false;
  await sampler;
  const cpu = await meter.stop();
  const gcAfter = await Promise.all(processes.map((p) => gcSeconds(p.metricsUrl)));
  const gcMsPerRequest = (i: number) => (((gcAfter[i] ?? 0) - (gcBefore[i] ?? 0)) * 1_000) / accepted;

  const fmt = (kb: number) => `${mb(kb).toFixed(0)} MB`;
  const lines = [
    `memory of the production build (node ${dockerfileRuntime("api").args.join(" ")}${flags["node-flags"] === undefined ? ", the Dockerfile's CMD" : ", flags from --node-flags"})`,
    `  load: ${load.responses} PUT in ${load.durationS.toFixed(0)} s (${load.rps.toFixed(0)}/s, ${load.non2xx} non-2xx), ${connections} connections; worker concurrency 50`,
    `  CPU per request: api ${((cpu.ms.api ?? 0) / accepted).toFixed(2)} ms, worker ${((cpu.ms.worker ?? 0) / accepted).toFixed(2)} ms; ` +
      `of it in GC pauses: api ${gcMsPerRequest(0).toFixed(3)} ms, worker ${gcMsPerRequest(1).toFixed(3)} ms`,
    "",
    "  process  idle RSS (target)   peak RSS, VmHWM (target)   at the highest sample: heap used / heap total / external",
  ];
  for (const p of processes) {
    const peak = readRss(p.process.pid).hwmKb;
    const t = targets[p.app];
    const verdict = (kb: number, limit: number) => `${mb(kb) <= limit ? "met" : "MISSED"} ≤ ${limit}`;
    const top = p.top;
    const heap = top
      ? `${(top.heapUsed / 2 ** 20).toFixed(0)} / ${(top.heapTotal / 2 ** 20).toFixed(0)} / ${(top.external / 2 ** 20).toFixed(0)} MB of ${fmt(top.rssKb)} RSS`
      : "no sample";
    lines.push(
      `  ${p.app.padEnd(7)}  ${fmt(idle[p.app]).padStart(6)} (${verdict(idle[p.app], t.idle)})   ${fmt(peak).padStart(6)} (${verdict(peak, t.peak)})        ${heap}`,
    );
  }
  lines.push(
    "",
    `  load average at the end ${loadavg()[0]?.toFixed(1)} (2 cores; other sessions included)`,
    "",
  );
  process.stdout.write(lines.join("\n"));
} finally {
  await cleanup.run();
}
