import type { BenchDatabase } from "./bench-database";
import type { Cleanup } from "./cleanup";
import type { BenchSettings } from "./config";
import { createBody, personEmail } from "./contact-bodies";
import { type LoadResult, runIntakeLoad } from "./load";
import { startCpuMeter } from "./process-cpu";
import { type HttpServerProcess, startBaseline, startProjectApi } from "./processes";
import type { BenchRedis } from "./redis-setup";

export interface IntakeTarget {
  name: "baseline_a" | "baseline_b" | "project";
  rps: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  non_2xx: number;
  errors: number;
  /** CPU ms per request of the HTTP server process, of the database's backends, of Redis. */
  server_cpu_ms_per_req: number;
  postgres_cpu_ms_per_req: number;
  redis_cpu_ms_per_req: number;
}

/**
 * `PUT /v1/contacts` under autocannon (new people only, no workers running): the two baselines
 * and the project's API, one after the other, each warmed up first. All three take the same
 * organisations' keys.
 */
export async function runIntakeBench(context: {
  settings: BenchSettings;
  database: BenchDatabase;
  redis: BenchRedis;
  cleanup: Cleanup;
  log: (line: string) => void;
}): Promise<IntakeTarget[]> {
  const { settings, database, redis, cleanup, log } = context;
  const orgs = await database.createOrgs(settings.intakeOrgs, "Intake");
  const keys = Object.fromEntries(orgs.map((org) => [org.key, org.id]));
  const env = (queuePrefix: string) => ({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix });

  const servers: [IntakeTarget["name"], () => Promise<HttpServerProcess>][] = [
    ["baseline_a", () => startBaseline("a", { ...env(redis.newPrefix()), keys }, cleanup)],
    ["baseline_b", () => startBaseline("b", { ...env(redis.newPrefix()), keys }, cleanup)],
    ["project", () => startProjectApi(env(redis.newPrefix()), cleanup)],
  ];
  const results: IntakeTarget[] = [];
  for (const [name, start] of servers) {
    const server = await start();
    const load = (tag: string, durationS: number) =>
      runIntakeLoad({
        url: server.url,
        keys: orgs.map((org) => org.key),
        connections: settings.connections,
        length: { durationS },
        tag,
        email: (t, i) => personEmail(t, i, { knownDomains: false }),
        body: createBody,
      });
    log(`intake: ${server.name}: warm-up ${settings.intakeWarmupS} s, then ${settings.intakeDurationS} s`);
    await load(`${name.replace("_", "-")}-warm`, settings.intakeWarmupS);
    const meter = await startCpuMeter({
      server: () => [server.process.pid],
      postgres: () => database.backendPids(),
      redis: () => [redis.pid],
    });
    const measured = await load(name.replace("_", "-"), settings.intakeDurationS);
    const usage = await meter.stop();
    await server.process.stop();
    results.push(toTarget(name, measured, usage.ms));
  }
  return results;
}

function toTarget(name: IntakeTarget["name"], load: LoadResult, cpuMs: Record<string, number>): IntakeTarget {
  const perRequest = (ms: number | undefined) => (ms ?? 0) / Math.max(load.responses, 1);
  return {
    name,
    rps: load.rps,
    p50_ms: load.p50Ms,
    p99_ms: load.p99Ms,
    requests: load.responses,
    non_2xx: load.non2xx,
    errors: load.errors,
    server_cpu_ms_per_req: perRequest(cpuMs.server),
    postgres_cpu_ms_per_req: perRequest(cpuMs.postgres),
    redis_cpu_ms_per_req: perRequest(cpuMs.redis),
  };
}
