import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createDb, createOrganization, type Db, listApiKeys } from "@upsert/db";
import {
  type AppProcess,
  createTestDatabase,
  dropQueuePrefix,
  startAppProcess,
  type TestDatabase,
  uniqueQueuePrefix,
  waitFor,
} from "@upsert/testing";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeDatabaseUrl } from "../cli.errors";
import { createMemoryOutput } from "../cli.output";
import { runCli } from "../cli.program";
import { runOrgSetRateLimitCommand } from "./org-set-rate-limit.command";

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, "../../../..");
const redisUrl = "redis://127.0.0.1:6379";

let database: TestDatabase;
let db: Db;
let api: AppProcess;
let worker: AppProcess;
let apiUrl: string;
let queuePrefix: string;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { maxConnections: 2 });
  queuePrefix = uniqueQueuePrefix();
  dir = await mkdtemp(path.join(tmpdir(), "cli-import-"));
  const env = { DATABASE_URL: database.url, REDIS_URL: redisUrl, QUEUE_PREFIX: queuePrefix };
  api = startAppProcess("api", { ...env, PORT: "0", HOST: "127.0.0.1" });
  worker = startAppProcess("worker", {
    ...env,
    ENRICHMENT_LATENCY_MS: "0",
    WORKER_CONCURRENCY: "20",
    DATABASE_POOL_SIZE: "8",
  });
  const port = await waitFor(() => /"port":(\d+)[^\n]*api listening/.exec(api.output())?.[1], {
    timeoutMs: 30_000,
    intervalMs: 100,
    message: "api did not start",
  });
  apiUrl = `http://127.0.0.1:${port}`;
  await waitFor(() => worker.output().includes("worker started"), {
    timeoutMs: 30_000,
    intervalMs: 100,
    message: "worker did not start",
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await db?.close();
  await database?.drop();
  await dropQueuePrefix(redisUrl, queuePrefix).catch(() => 0);
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function call<T>(key: string, method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${apiUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return ((await res.json()) as { data: T }).data;
}

/** `runCli` as `main.ts` wires it, with output kept in memory. */
async function importInProcess(args: string[]) {
  const output = createMemoryOutput();
  const importDb = createDb(database.url, { maxConnections: 1 });
  const code = await runCli(["import", ...args], {
    output,
    openDatabase: () => importDb,
    database: describeDatabaseUrl(database.url),
    apiUrl,
  });
  return { code, stdout: output.stdout(), stderr: output.stderr() };
}

type BadKind =
  | "invalid_email"
  | "no_identifier"
  | "invalid_linkedin"
  | "tag_not_uuid"
  | "bad_do_not_contact"
  | "column_count"
  | "unknown_tag"
  | "custom_field_type"
  | "identity_conflict";

/** 50 bad rows of nine kinds: five refused by intake, one by the CSV reader, three by the job. */
const badKinds: [BadKind, number][] = [
  ["invalid_email", 8],
  ["no_identifier", 7],
  ["invalid_linkedin", 6],
  ["tag_not_uuid", 5],
  ["bad_do_not_contact", 4],
  ["column_count", 5],
  ["unknown_tag", 5],
  ["custom_field_type", 5],
  ["identity_conflict", 5],
];

describe("pnpm cli import", () => {
  it("imports 10,000 rows with 50 bad ones: the summary and the failed file name exactly those 50", async () => {
    const { org, apiKey } = await createOrganization(db.prisma, { name: "Importer" });
    const tag = await call<{ id: string }>(apiKey.secret, "POST", "/v1/tags", {
      object: "contacts",
      name: "Fair",
    });
    const field = await call<{ key: string }>(apiKey.secret, "POST", "/v1/custom-fields", {
      entity: "contacts",
      name: "Score",
      type: "number",
    });
    const headers = ["email", "first_name", "last_name", "linkedin_url", "tags", "do_not_contact", field.key];
    const total = 10_000;
    // Bad rows spread over the file (a fixed stride, so the run is reproducible); never among the
    // first 100, whose people the identity conflicts point at.
    const badAt = new Map<number, BadKind>();
    let next = 150;
    for (const [kind, count] of badKinds)
      for (let i = 0; i < count; i += 1) {
        badAt.set(next, kind);
        next += 197;
      }
    const email = (i: number) => `p${i}@import${i % 50}.com`;
    const linkedin = (i: number) => `https://linkedin.com/in/importee-${i}`;
    const unknownTag = "01890a5d-ac96-774b-bcce-b302099a8057";
    const rows: string[][] = [];
    const goodEmails: string[] = [];
    for (let i = 0; i < total; i += 1) {
      const good = [
        email(i),
        `First${i}`,
        `Last${i}`,
        i % 3 === 0 ? linkedin(i) : "",
        i % 4 === 0 ? tag.id : "",
        i % 5 === 0 ? "yes" : "",
        i % 2 === 0 ? String(i) : "",
      ];
      const kind = badAt.get(i);
      const row = [...good];
      switch (kind) {
        case undefined:
          goodEmails.push(email(i));
          break;
        case "invalid_email":
          row[0] = `p${i}-at-nowhere`;
          break;
        case "no_identifier":
          row[0] = "";
          row[3] = "";
          break;
        case "invalid_linkedin":
          row[3] = `https://example.com/people/${i}`;
          break;
        case "tag_not_uuid":
          row[4] = `${tag.id};hot`;
          break;
        case "bad_do_not_contact":
          row[5] = "perhaps";
          break;
        case "column_count":
          row.push("one too many");
          break;
        case "unknown_tag":
          row[4] = unknownTag;
          break;
        case "custom_field_type":
          row[6] = "lots";
          break;
        case "identity_conflict":
          // Row 2's email with row 5's LinkedIn: two existing contacts (both earlier in the file).
          row[0] = email(i % 30);
          row[3] = linkedin(3 * ((i % 30) + 1));
          break;
      }
      rows.push(row);
    }
    expect(goodEmails).toHaveLength(9_950);
    const file = path.join(dir, "contacts.csv");
    await writeFile(file, stringify([headers, ...rows]));

    const result = await importInProcess(["--org", org.id, file, "--json"]);

    expect(result.stderr).toBe("");
    expect(result.code).toBe(2);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      rows: 10_000,
      created: 9_950,
      updated: 0,
      failed: 50,
      rejected: 35,
      jobs_failed: 15,
      batches: 10,
      failed_out: `${file}.failed.csv`,
    });
    const failed = parse(await readFile(`${file}.failed.csv`), {
      columns: true,
      relax_column_count: true,
    }) as Record<string, string>[];
    // Row numbers as a spreadsheet shows them: the header is row 1, so data row i is row i + 2.
    expect(failed.map((r) => Number(r.row))).toEqual(
      [...badAt.keys()].sort((a, b) => a - b).map((i) => i + 2),
    );
    const codeOf = Object.fromEntries(failed.map((r) => [Number(r.row) - 2, r.error_code]));
    for (const [i, kind] of badAt) {
      const code = codeOf[i];
      if (kind === "column_count") expect(code, kind).toBe("invalid_csv_row");
      else if (kind === "unknown_tag") expect(code, kind).toBe("not_found");
      else if (kind === "identity_conflict") expect(code, kind).toBe("conflict");
      else expect(code, kind).toMatch(/^(validation_error|unprocessable_entity|invalid_request)$/);
    }
    // Each failed row keeps its cells, so it can be fixed and imported again.
    const conflictRow = failed.find((r) => r.error_code === "conflict");
    expect(conflictRow?.email).toMatch(/@import\d+\.com$/);
    expect(failed.every((r) => (r.error_message ?? "").length > 0)).toBe(true);

    expect(await db.prisma.contact.count({ where: { orgId: org.id } })).toBe(9_950);
    const stored = await db.prisma.contact.findMany({ where: { orgId: org.id }, select: { email: true } });
    expect(new Set(stored.map((c) => c.email))).toEqual(new Set(goodEmails));

    // The key issued for the run is revoked when it ends; the organisation's own key is untouched.
    const keys = await listApiKeys(db.prisma, org.id);
    expect(keys.filter((k) => k.name.startsWith("cli import")).map((k) => k.revokedAt !== null)).toEqual([
      true,
    ]);
    expect(keys.filter((k) => !k.name.startsWith("cli import")).every((k) => k.revokedAt === null)).toBe(
      true,
    );
  }, 600_000);

  it("as a process: a second import of the same rows updates them, prints one JSON line and exits 0", async () => {
    const { org, apiKey } = await createOrganization(db.prisma, { name: "Twice" });
    const file = path.join(dir, "small.csv");
    await writeFile(
      file,
      'email,first_name,title\nann@twice.com,Ann,CEO\n\nbob@twice.com,Bob,\n"cat@twice.com","Cat, the second",CTO\n',
    );
    const first = await runPnpmCli(["import", "--org", org.id, file, "--json", "--api-key", apiKey.secret]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      rows: 3,
      created: 3,
      updated: 0,
      failed: 0,
      failed_out: null,
    });

    await writeFile(file, "email,title\nann@twice.com,Chair\nbob@twice.com,CFO\ncat@twice.com,CTO\n");
    const second = await runPnpmCli(["import", "--org", org.id, file, "--json"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.split("\n").filter(Boolean)).toHaveLength(1);
    expect(JSON.parse(second.stdout)).toMatchObject({ rows: 3, created: 0, updated: 3, failed: 0 });
    const contacts = await db.prisma.contact.findMany({
      where: { orgId: org.id },
      orderBy: { email: "asc" },
    });
    expect(contacts.map((c) => [c.email, c.firstName, c.title])).toEqual([
      ["ann@twice.com", "Ann", "Chair"],
      ["bob@twice.com", "Bob", "CFO"],
      ["cat@twice.com", "Cat, the second", "CTO"],
    ]);
  }, 120_000);

  it("waits out 429s for their Retry-After and then imports every row", async () => {
    const { org } = await createOrganization(db.prisma, { name: "Limited" });
    // 4 requests a minute: the custom fields, a batch and its poll leave room for one more call.
    await runOrgSetRateLimitCommand(
      db.prisma,
      { org: org.id, perMinute: "4", json: true },
      createMemoryOutput(),
    );
    const file = path.join(dir, "limited.csv");
    await writeFile(file, "email\nann@limited.com\nbob@limited.com\n");
    const result = await importInProcess(["--org", org.id, file, "--batch-size", "1", "--json"]);

    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ rows: 2, created: 2, failed: 0, batches: 2 });
    // Waiting for Retry-After takes a 429 or two; retrying at once would have drawn hundreds.
    expect(summary.rate_limited_waits).toBeGreaterThan(0);
    expect(summary.rate_limited_waits).toBeLessThanOrEqual(5);
    expect(await db.prisma.contact.count({ where: { orgId: org.id } })).toBe(2);
  }, 240_000);

  it("refuses before sending anything: an unknown org, a key of another org, a header without identifiers", async () => {
    const { org } = await createOrganization(db.prisma, { name: "Refusals" });
    const other = await createOrganization(db.prisma, { name: "Other" });
    const file = path.join(dir, "names.csv");
    await writeFile(file, "first_name\nAnn\n");
    const unknown = "01890a5d-ac96-774b-bcce-b302099a8057";
    expect(await importInProcess(["--org", unknown, file])).toMatchObject({
      code: 1,
      stderr: `error: organization ${unknown} does not exist\n`,
    });
    expect(await importInProcess(["--org", org.id, file, "--api-key", other.apiKey.secret])).toMatchObject({
      code: 1,
      stderr: `error: --api-key is not an active key of organization ${org.id}\n`,
    });
    expect(await importInProcess(["--org", org.id, file])).toMatchObject({
      code: 1,
      stderr: `error: ${file}: the header row has neither an email nor a linkedin_url column: no row could name a contact\n`,
    });
    expect(await importInProcess(["--org", org.id, path.join(dir, "missing.csv")])).toMatchObject({
      code: 1,
      stderr: `error: ${path.join(dir, "missing.csv")} does not exist or cannot be read\n`,
    });
    expect(await db.prisma.intakeRequest.count({ where: { orgId: org.id } })).toBe(0);
  });
});

/** Runs `pnpm cli ...` as a user would (stdout is a pipe: no progress bar). */
async function runPnpmCli(args: string[]) {
  try {
    const { stdout, stderr } = await run("pnpm", ["--silent", "cli", ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: database.url, API_URL: apiUrl },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}
