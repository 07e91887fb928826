import { createDb, type Db } from "@upsert/db";
import { createTestDatabase, type TestDatabase } from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeDatabaseUrl } from "./cli.errors";
import { createMemoryOutput } from "./cli.output";
import { runCli } from "./cli.program";

let database: TestDatabase;
const opened: Db[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await Promise.all(opened.map((db) => db.close()));
  await database?.drop();
});

function depsFor(url: string) {
  const output = createMemoryOutput();
  let openCount = 0;
  return {
    output,
    openCount: () => openCount,
    deps: {
      output,
      openDatabase: () => {
        openCount += 1;
        const db = createDb(url, { maxConnections: 1 });
        opened.push(db);
        return db;
      },
      database: describeDatabaseUrl(url),
      apiUrl: "http://127.0.0.1:9",
    },
  };
}

const unknownId = "01890a5d-ac96-774b-bcce-b302099a8057";

describe("runCli", () => {
  it("runs a command and exits 0, also behind pnpm's literal --", async () => {
    const { output, deps } = depsFor(database.url);
    expect(await runCli(["--", "org:create", "--name", "Acme Inc", "--json"], deps)).toBe(0);
    expect(output.stdout()).toMatch(/^\{"org_id":"[0-9a-f-]{36}","api_key":"mks_[A-Za-z0-9_-]{48}"\}\n$/);
    expect(output.stderr()).toBe("");
  });

  it("reports a missing --name in one line without opening the database", async () => {
    const { output, deps, openCount } = depsFor(database.url);
    expect(await runCli(["org:create", "--json"], deps)).toBe(1);
    expect(output.stderr()).toBe("error: required option '--name <name>' not specified\n");
    expect(output.stdout()).toBe("");
    expect(openCount()).toBe(0);
  });

  it("turns expected failures into one sentence and exit 1", async () => {
    const cases: Array<[string[], string]> = [
      [["key:revoke", "not-a-uuid"], 'error: key id must be a UUID, got "not-a-uuid"\n'],
      [["key:revoke", unknownId], `error: API key ${unknownId} does not exist\n`],
      [["key:list", "--org", unknownId], `error: organization ${unknownId} does not exist\n`],
      [["key:create", "--org", unknownId, "--json"], `error: organization ${unknownId} does not exist\n`],
      [["org:create", "--name", " "], "error: --name must not be empty\n"],
      [
        ["org:set-rate-limit", "--org", unknownId, "--per-minute", "10"],
        `error: organization ${unknownId} does not exist\n`,
      ],
      [
        ["org:set-rate-limit", "--org", unknownId, "--per-minute", "0"],
        'error: --per-minute must be a whole number from 1 to 100000, or "default", got "0"\n',
      ],
      [
        ["org:create", "--name", "x".repeat(201)],
        "error: organization name must be at most 200 characters\n",
      ],
    ];
    for (const [argv, expected] of cases) {
      const { output, deps } = depsFor(database.url);
      expect(await runCli(argv, deps), argv.join(" ")).toBe(1);
      expect(output.stderr()).toBe(expected);
      expect(output.stdout()).toBe("");
    }
  });

  it("rejects an unknown command and prints usage when none is given", async () => {
    const unknown = depsFor(database.url);
    expect(await runCli(["org:delete"], unknown.deps)).toBe(1);
    expect(unknown.output.stderr()).toBe("error: unknown command 'org:delete'\n");

    const none = depsFor(database.url);
    expect(await runCli([], none.deps)).toBe(1);
    expect(none.output.stderr()).toContain("Usage: cli [options] [command]");
    expect(none.output.stdout()).toBe("");
  });

  it("says the database is missing or not migrated and how to fix it", async () => {
    const missingUrl = new URL(database.url);
    missingUrl.pathname = `/${database.name}_missing`;
    const missing = depsFor(missingUrl.toString());
    expect(await runCli(["key:list", "--org", unknownId], missing.deps)).toBe(1);
    expect(missing.output.stderr()).toBe(
      `error: database ${database.name}_missing does not exist or is not migrated; run \`pnpm db:migrate\`\n`,
    );

    // An existing database without the tables, as before the first `pnpm db:migrate`.
    const unmigrated = await createTestDatabase();
    try {
      const admin = createDb(unmigrated.url, { maxConnections: 1 });
      await admin.prisma.$executeRawUnsafe("DROP TABLE api_keys, organizations CASCADE");
      await admin.close();
      for (const argv of [
        ["org:create", "--name", "Acme"],
        ["key:revoke", unknownId],
      ]) {
        const { output, deps } = depsFor(unmigrated.url);
        expect(await runCli(argv, deps)).toBe(1);
        expect(output.stderr()).toBe(
          `error: database ${unmigrated.name} does not exist or is not migrated; run \`pnpm db:migrate\`\n`,
        );
      }
    } finally {
      await Promise.all(opened.splice(0).map((db) => db.close()));
      await unmigrated.drop();
    }
  });

  it("says Postgres cannot be reached", async () => {
    const { output, deps } = depsFor("postgresql://postgres@127.0.0.1:1/contact_upsert");
    expect(await runCli(["key:list", "--org", unknownId], deps)).toBe(1);
    expect(output.stderr()).toBe(
      "error: cannot reach Postgres at 127.0.0.1:1; is it running and is DATABASE_URL right?\n",
    );
  });
});
