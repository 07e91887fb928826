import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { BatchImportRun } from "./batch-import.bench";
import type { BenchSettings } from "./config";
import type { DrainRun } from "./drain.bench";
import type { IntakeTarget } from "./intake.bench";
import type { Ceiling } from "./pgbench-ceiling";

export interface BenchResult {
  mode: BenchSettings["mode"];
  date: string;
  commit: string;
  /** Uncommitted changes were present: the figures are not exactly `commit`'s. */
  dirty: boolean;
  elapsed_s: number;
  machine: {
    cpus: number;
    node: string;
    redis: "private" | "shared";
    /** 1-minute load average at the start and the end: how busy other users kept the machine. */
    load_average: [number, number];
  };
  settings: BenchSettings;
  intake: {
    baseline_a_rps: number;
    baseline_b_rps: number;
    project_rps: number;
    project_p50_ms: number;
    project_p99_ms: number;
    baseline_b_p99_ms: number;
    ratio_to_baseline_b: number;
    server_cpu_ms_per_req: number;
    postgres_cpu_ms_per_req: number;
    redis_cpu_ms_per_req: number;
    targets: IntakeTarget[];
  };
  worker: {
    create_cpu_ms_per_req: number;
    update_cpu_ms_per_req: number;
    creates_per_s_1w: number;
    updates_per_s_1w: number;
    creates_per_s_2w: number;
    updates_per_s_2w: number;
    runs: DrainRun[];
  };
  /** Contacts imported end to end through POST /v1/contacts/batch by `pnpm cli import`. */
  batch_import: {
    contacts_per_s: number;
    /** Over the 1-worker create drain (single requests, queue pre-loaded): the target is ≥ 0.9. */
    ratio_to_single_requests: number;
    cpu_ms_per_contact: number;
    run: BatchImportRun;
  };
  backlog: {
    queued_ahead: number;
    create_cpu_ms_per_req: number;
    creates_per_s: number;
    /** Create CPU with the backlog over create CPU without (1 worker). */
    ratio_to_small_backlog: number;
    run: DrainRun;
  };
  table_size: {
    contacts: number;
    create_cpu_ms_per_req: number;
    update_cpu_ms_per_req: number;
    create_ratio_to_small_table: number;
    update_ratio_to_small_table: number;
    runs: DrainRun[];
  } | null;
  ceiling: Ceiling;
}

/** The figures of one run, keyed as issue 10 asks (see bench/README section in the root README). */
export function buildResult(input: {
  settings: BenchSettings;
  commit: { sha: string; dirty: boolean };
  startedAt: Date;
  machine: BenchResult["machine"];
  intake: IntakeTarget[];
  drains: DrainRun[];
  batchImport: BatchImportRun;
  backlog: { queuedAhead: number; run: DrainRun };
  tableSize: { contacts: number; runs: DrainRun[] } | null;
  ceiling: Ceiling;
}): BenchResult {
  const target = (name: IntakeTarget["name"]) => {
    const found = input.intake.find((t) => t.name === name);
    if (!found) throw new Error(`no intake result for ${name}`);
    return found;
  };
  const drain = (runs: DrainRun[], kind: DrainRun["kind"], workers: number) => {
    const found = runs.find((r) => r.kind === kind && r.workers === workers);
    if (!found) throw new Error(`no ${kind} drain with ${workers} worker(s)`);
    return found;
  };
  const [a, b, project] = [target("baseline_a"), target("baseline_b"), target("project")];
  const create1 = drain(input.drains, "create", 1);
  const update1 = drain(input.drains, "update", 1);
  const tableSize = input.tableSize;
  return {
    mode: input.settings.mode,
    date: input.startedAt.toISOString(),
    commit: input.commit.sha,
    dirty: input.commit.dirty,
    elapsed_s: Math.round((Date.now() - input.startedAt.getTime()) / 1_000),
    machine: input.machine,
    settings: input.settings,
    intake: {
      baseline_a_rps: a.rps,
      baseline_b_rps: b.rps,
      project_rps: project.rps,
      project_p50_ms: project.p50_ms,
      project_p99_ms: project.p99_ms,
      baseline_b_p99_ms: b.p99_ms,
      ratio_to_baseline_b: project.rps / b.rps,
      server_cpu_ms_per_req: project.server_cpu_ms_per_req,
      postgres_cpu_ms_per_req: project.postgres_cpu_ms_per_req,
      redis_cpu_ms_per_req: project.redis_cpu_ms_per_req,
      targets: input.intake,
    },
    worker: {
      create_cpu_ms_per_req: create1.cpu_ms_per_req,
      update_cpu_ms_per_req: update1.cpu_ms_per_req,
      creates_per_s_1w: create1.per_s,
      updates_per_s_1w: update1.per_s,
      creates_per_s_2w: drain(input.drains, "create", 2).per_s,
      updates_per_s_2w: drain(input.drains, "update", 2).per_s,
      runs: input.drains,
    },
    batch_import: {
      contacts_per_s: input.batchImport.per_s,
      ratio_to_single_requests: input.batchImport.per_s / create1.per_s,
      cpu_ms_per_contact: input.batchImport.cpu_ms_per_contact,
      run: input.batchImport,
    },
    backlog: {
      queued_ahead: input.backlog.queuedAhead,
      create_cpu_ms_per_req: input.backlog.run.cpu_ms_per_req,
      creates_per_s: input.backlog.run.per_s,
      ratio_to_small_backlog: input.backlog.run.cpu_ms_per_req / create1.cpu_ms_per_req,
      run: input.backlog.run,
    },
    table_size: tableSize && {
      contacts: tableSize.contacts,
      create_cpu_ms_per_req: drain(tableSize.runs, "create", 1).cpu_ms_per_req,
      update_cpu_ms_per_req: drain(tableSize.runs, "update", 1).cpu_ms_per_req,
      create_ratio_to_small_table: drain(tableSize.runs, "create", 1).cpu_ms_per_req / create1.cpu_ms_per_req,
      update_ratio_to_small_table: drain(tableSize.runs, "update", 1).cpu_ms_per_req / update1.cpu_ms_per_req,
      runs: tableSize.runs,
    },
    ceiling: input.ceiling,
  };
}

const headers = ["what", "req/s", "p50 ms", "p99 ms", "CPU ms/req", "of which"];

/** One row per measurement, then the ratios the targets are stated in. */
export function tableRows(result: BenchResult): { rows: string[][]; notes: string[] } {
  const f = (value: number | null | undefined, digits = 1) =>
    value === null || value === undefined || !Number.isFinite(value) ? "-" : value.toFixed(digits);
  const rows: string[][] = [];
  const intakeNames = {
    baseline_a: "intake: baseline A",
    baseline_b: "intake: baseline B",
    project: "intake: project",
  };
  for (const t of result.intake.targets) {
    rows.push([
      `${intakeNames[t.name]} (c=${result.settings.connections})`,
      f(t.rps, 0),
      f(t.p50_ms, 0),
      f(t.p99_ms, 0),
      f(t.server_cpu_ms_per_req, 2),
      `server; + postgres ${f(t.postgres_cpu_ms_per_req, 2)}, redis ${f(t.redis_cpu_ms_per_req, 2)}${t.non_2xx + t.errors > 0 ? `; ${t.non_2xx} non-2xx, ${t.errors} errors` : ""}`,
    ]);
  }
  const drainRow = (what: string, run: DrainRun) => [
    `${what}${run.complete ? "" : " (incomplete)"}`,
    f(run.per_s),
    "",
    "",
    f(run.cpu_ms_per_req, 2),
    `worker ${f(run.worker_cpu_ms_per_req, 2)} + postgres ${f(run.postgres_cpu_ms_per_req, 2)} + redis ${f(run.redis_cpu_ms_per_req, 2)}${run.failed > 0 ? `; ${run.failed} failed` : ""}`,
  ];
  for (const run of result.worker.runs) {
    rows.push(drainRow(`${run.kind}s, ${run.workers} worker${run.workers > 1 ? "s" : ""}`, run));
  }
  const imported = result.batch_import.run;
  rows.push([
    `batch import (pnpm cli import), ${imported.contacts.toLocaleString("en-US")} contacts, ${imported.workers} worker`,
    f(imported.per_s),
    "",
    "",
    f(imported.cpu_ms_per_contact, 2),
    `cli ${f(imported.cli_cpu_ms_per_contact, 2)} + api ${f(imported.api_cpu_ms_per_contact, 2)} + worker ${f(imported.worker_cpu_ms_per_contact, 2)} + postgres ${f(imported.postgres_cpu_ms_per_contact, 2)} + redis ${f(imported.redis_cpu_ms_per_contact, 2)}; ${imported.summary.batches} batches${imported.summary.failed > 0 ? `; ${imported.summary.failed} failed` : ""}`,
  ]);
  rows.push(
    drainRow(
      `creates, 1 worker, ${result.backlog.queued_ahead.toLocaleString("en-US")} queued ahead`,
      result.backlog.run,
    ),
  );
  for (const run of result.table_size?.runs ?? []) {
    rows.push(
      drainRow(
        `${run.kind}s, 1 worker, ${result.table_size?.contacts.toLocaleString("en-US")} contacts`,
        run,
      ),
    );
  }
  rows.push([
    `pgbench upsert ceiling (${result.ceiling.clients} clients, ${result.ceiling.seconds} s)`,
    result.ceiling.pgbench_tps === null ? "no pgbench" : f(result.ceiling.pgbench_tps, 0),
    "",
    "",
    f(result.ceiling.postgres_cpu_ms_per_tx, 3),
    "postgres",
  ]);
  const w = result.worker;
  const notes = [
    `intake: project / baseline B = ${f(result.intake.ratio_to_baseline_b, 2)}; p99 ${f(result.intake.project_p99_ms, 0)} ms vs baseline B's ${f(result.intake.baseline_b_p99_ms, 0)} ms`,
    `workers: 2 / 1 processes = ${f(w.creates_per_s_2w / w.creates_per_s_1w, 2)} (creates), ${f(w.updates_per_s_2w / w.updates_per_s_1w, 2)} (updates)`,
    `batch import: contacts/s end to end / single-request creates/s (1 worker) = ${f(result.batch_import.ratio_to_single_requests, 2)} (target ≥ 0.9)`,
    `backlog: create CPU with ${result.backlog.queued_ahead.toLocaleString("en-US")} queued ahead / without = ${f(result.backlog.ratio_to_small_backlog, 2)}`,
  ];
  if (result.table_size) {
    notes.push(
      `table size: CPU with ${result.table_size.contacts.toLocaleString("en-US")} contacts / without = ${f(result.table_size.create_ratio_to_small_table, 2)} (creates), ${f(result.table_size.update_ratio_to_small_table, 2)} (updates)`,
    );
  }
  return { rows, notes };
}

export function renderText(result: BenchResult): string {
  const { rows, notes } = tableRows(result);
  const all = [headers, ...rows];
  const widths = headers.map((_, col) => Math.max(...all.map((row) => (row[col] ?? "").length)));
  const line = (row: string[]) =>
    row
      .map((cell, col) =>
        col === 0 || col === row.length - 1 ? cell.padEnd(widths[col] ?? 0) : cell.padStart(widths[col] ?? 0),
      )
      .join("  ")
      .trimEnd();
  return [
    `bench ${result.mode} · ${result.date} · ${result.commit.slice(0, 12)}${result.dirty ? " (dirty)" : ""} · ${result.machine.cpus} cores, load ${loadOf(result)} · ${result.elapsed_s} s`,
    line(headers),
    ...rows.map(line),
    "",
    ...notes,
  ].join("\n");
}

export function renderMarkdown(result: BenchResult): string {
  const { rows, notes } = tableRows(result);
  const line = (row: string[]) => `| ${row.join(" | ")} |`;
  return [
    `# Benchmark: ${result.mode}, ${result.date.slice(0, 10)}, ${result.commit.slice(0, 12)}${result.dirty ? " (dirty)" : ""}`,
    "",
    `${result.machine.cpus} cores (load average ${loadOf(result)}), Node ${result.machine.node}, ${result.machine.redis} Redis, worker concurrency ${result.settings.workerConcurrency} ${result.settings.fixedConcurrency ? "fixed" : "adaptive"}; ${result.elapsed_s} s. CPU is read from /proc for each process; "CPU ms/req" of a drain is worker + Postgres backends + Redis. Written by \`pnpm bench${result.mode === "quick" ? " --quick" : ""}${result.settings.fixedConcurrency ? " --fixed-concurrency" : ""}\`.`,
    "",
    line(headers),
    line(headers.map((_, i) => (i === 0 || i === headers.length - 1 ? "---" : "---:"))),
    ...rows.map(line),
    "",
    ...notes.map((note) => `- ${note}`),
    "",
  ].join("\n");
}

/** latest.json / latest.md, and a copy named by date, commit and mode to commit as a record. */
export async function writeResults(result: BenchResult, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const named = path.join(
    dir,
    `${result.date.slice(0, 10)}-${result.commit.slice(0, 8)}-${result.mode}.json`,
  );
  const files = [path.join(dir, "latest.json"), named, path.join(dir, "latest.md")];
  await writeFile(files[0] as string, json);
  await writeFile(named, json);
  await writeFile(files[2] as string, renderMarkdown(result));
  return files;
}

function loadOf(result: BenchResult): string {
  return result.machine.load_average.map((load) => load.toFixed(1)).join(" → ");
}
