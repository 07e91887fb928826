import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BenchDatabase } from "./bench-database";
import type { Cleanup } from "./cleanup";
import { startCpuMeter } from "./process-cpu";

export interface Ceiling {
  /** Single-statement upserts per second; null when pgbench is not installed. */
  pgbench_tps: number | null;
  postgres_cpu_ms_per_tx: number | null;
  clients: number;
  seconds: number;
}

/**
 * What Postgres itself can do on this machine: pgbench running one `INSERT … ON CONFLICT DO
 * UPDATE` per transaction on a copy of the contacts table (same columns and indexes), half new
 * people, half known ones after a few seconds.
 */
export async function measurePgbenchCeiling(
  database: BenchDatabase,
  options: { clients: number; seconds: number; searchPath: string; cleanup: Cleanup },
): Promise<Ceiling> {
  const none = { pgbench_tps: null, postgres_cpu_ms_per_tx: null, ...pick(options) };
  const pgbench = findOnPath("pgbench", options.searchPath);
  if (!pgbench) return none;

  const [org] = await database.createOrgs(1, "Ceiling");
  if (!org) return none;
  await database.client.query("CREATE TABLE ceiling_contacts (LIKE contacts INCLUDING ALL)");
  const dir = await mkdtemp(path.join(tmpdir(), "upsert-bench-"));
  options.cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  const script = path.join(dir, "upsert.sql");
  await writeFile(
    script,
    `\\set n random(1, ${options.seconds * 10_000})
INSERT INTO ceiling_contacts (id, org_id, email, email_normalized, first_name, last_name, title)
VALUES (gen_random_uuid(), '${org.id}', 'p' || :n || '@ceiling.com', 'p' || :n || '@ceiling.com', 'First', 'Last', 'Title ' || :n)
ON CONFLICT (org_id, email_normalized) DO UPDATE
  SET first_name = EXCLUDED.first_name, title = EXCLUDED.title, updated_at = now();
`,
  );

  const meter = await startCpuMeter({ postgres: () => database.backendPids() });
  const output = await run(
    pgbench,
    [
      "--no-vacuum",
      `--file=${script}`,
      `--client=${options.clients}`,
      `--jobs=${Math.min(options.clients, 2)}`,
      `--time=${options.seconds}`,
      "--protocol=prepared",
      database.url,
    ],
    options.cleanup,
  );
  const usage = await meter.stop();
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1]);
  const processed = Number(/number of transactions actually processed: (\d+)/.exec(output)?.[1]);
  if (!Number.isFinite(tps)) throw new Error(`pgbench printed no tps:\n${output}`);
  return {
    pgbench_tps: tps,
    postgres_cpu_ms_per_tx: processed > 0 ? (usage.ms.postgres ?? 0) / processed : null,
    ...pick(options),
  };
}

function pick(options: { clients: number; seconds: number }) {
  return { clients: options.clients, seconds: options.seconds };
}

function findOnPath(command: string, searchPath: string): string | null {
  for (const dir of searchPath.split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

/** Runs a command to completion (its pid is stopped at cleanup if the benchmark is interrupted). */
function run(command: string, args: string[], cleanup: Cleanup): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    cleanup.add(`stop ${path.basename(command)} (pid ${child.pid})`, async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} exited ${code}:\n${output}`)),
    );
  });
}
