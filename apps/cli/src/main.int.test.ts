import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { createTestDatabase, type TestDatabase } from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, "../../..");

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

/** Runs `pnpm cli ...` as a user would, from the repository root. */
async function runPnpmCli(args: string[], databaseUrl: string) {
  try {
    const { stdout, stderr } = await run("pnpm", ["cli", ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("pnpm cli", () => {
  it("org:create --json prints exactly one JSON line on stdout", async () => {
    const result = await runPnpmCli(["org:create", "--name", "Acme", "--json"], database.url);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\{"org_id":"[0-9a-f-]{36}","api_key":"mks_[A-Za-z0-9_-]{48}"\}\n$/);
  });

  it("exits 1 with a one-line sentence and no stack trace on an expected error", async () => {
    const result = await runPnpmCli(["key:revoke", "not-a-uuid"], database.url);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    // pnpm itself adds the "$ <script>" echo and an "[ELIFECYCLE]" line; no setting removes them.
    const ours = result.stderr
      .split("\n")
      .filter((line) => line !== "" && !/^(\$ |\[ELIFECYCLE\])/.test(line));
    expect(ours).toEqual(['error: key id must be a UUID, got "not-a-uuid"']);
  });
});
