import { createHash } from "node:crypto";
import { createDb, type Db, findActiveApiKeyByHash, findOrganization, listApiKeys } from "@upsert/db";
import { createTestDatabase, type TestDatabase } from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliError } from "../cli.errors";
import { createMemoryOutput } from "../cli.output";
import { runKeyCreateCommand } from "./key-create.command";
import { runKeyListCommand } from "./key-list.command";
import { runKeyRevokeCommand } from "./key-revoke.command";
import { runOrgCreateCommand } from "./org-create.command";
import { runOrgSetRateLimitCommand } from "./org-set-rate-limit.command";

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { maxConnections: 2 });
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const unknownId = "01890a5d-ac96-774b-bcce-b302099a8057";

// What the API does with a bearer key: look up the hex SHA-256 of the secret (the stored form).
async function isActiveSecret(secret: string): Promise<boolean> {
  const hash = createHash("sha256").update(secret).digest("hex");
  return (await findActiveApiKeyByHash(db.prisma, hash)) !== null;
}

async function createOrgJson(name: string): Promise<{ org_id: string; api_key: string }> {
  const output = createMemoryOutput();
  await runOrgCreateCommand(db.prisma, { name, json: true }, output);
  return JSON.parse(output.stdout());
}

describe("org:create", () => {
  it("prints exactly one JSON line with the org id and a working key", async () => {
    const output = createMemoryOutput();
    await runOrgCreateCommand(db.prisma, { name: "Acme", json: true }, output);

    const lines = output.stdout().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe("");
    const parsed = JSON.parse(lines[0] ?? "");
    expect(Object.keys(parsed)).toEqual(["org_id", "api_key"]);
    expect(parsed.api_key).toMatch(/^mks_[A-Za-z0-9_-]{48}$/);
    expect(await isActiveSecret(parsed.api_key)).toBe(true);
    expect(output.stderr()).toBe("");
  });

  it("prints a readable block that warns the key is shown once", async () => {
    const output = createMemoryOutput();
    await runOrgCreateCommand(db.prisma, { name: "Readable", json: false }, output);

    expect(output.stdout()).toContain('Created organization "Readable"');
    expect(output.stdout()).toMatch(/api key: {2}mks_[A-Za-z0-9_-]{48}\n/);
    expect(output.stdout()).toContain("shown once");
  });

  it("refuses an empty name", async () => {
    const output = createMemoryOutput();
    await expect(runOrgCreateCommand(db.prisma, { name: "  ", json: true }, output)).rejects.toThrow(
      new CliError("--name must not be empty"),
    );
    expect(output.stdout()).toBe("");
  });
});

describe("key:create", () => {
  it("issues another working key for the organisation", async () => {
    const { org_id } = await createOrgJson("Rotating");
    const output = createMemoryOutput();
    await runKeyCreateCommand(db.prisma, { org: org_id.toUpperCase(), name: "ci", json: true }, output);

    const issued = JSON.parse(output.stdout());
    expect(issued).toMatchObject({ org_id, name: "ci", prefix: issued.api_key.slice(0, 12) });
    expect(await isActiveSecret(issued.api_key)).toBe(true);
    expect((await listApiKeys(db.prisma, org_id)).map((key) => key.name)).toEqual(["default", "ci"]);
  });

  it("says so when the organisation does not exist or the id is not a UUID", async () => {
    const output = createMemoryOutput();
    await expect(runKeyCreateCommand(db.prisma, { org: unknownId, json: true }, output)).rejects.toThrow(
      `organization ${unknownId} does not exist`,
    );
    await expect(runKeyCreateCommand(db.prisma, { org: "acme", json: true }, output)).rejects.toThrow(
      '--org must be a UUID, got "acme"',
    );
    expect(output.stdout()).toBe("");
  });
});

describe("key:list", () => {
  it("shows a table of prefixes and states, never secrets", async () => {
    const { org_id, api_key } = await createOrgJson("Listed");
    const revokedOutput = createMemoryOutput();
    await runKeyCreateCommand(db.prisma, { org: org_id, name: "old", json: true }, revokedOutput);
    const old = JSON.parse(revokedOutput.stdout());
    await runKeyRevokeCommand(db.prisma, { keyId: old.key_id, json: true }, createMemoryOutput());

    const output = createMemoryOutput();
    await runKeyListCommand(db.prisma, { org: org_id, json: false }, output);

    const [header, ...rows] = output.stdout().trimEnd().split("\n");
    expect(header).toMatch(/^ID\s+NAME\s+PREFIX\s+STATUS\s+CREATED\s+LAST USED\s+REVOKED$/);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(new RegExp(`default\\s+${api_key.slice(0, 12)}\\s+active\\s+\\S+Z\\s+-\\s+-$`));
    expect(rows[1]).toMatch(new RegExp(`^${old.key_id}\\s+old\\s+\\S+\\s+revoked\\s+\\S+Z\\s+-\\s+\\S+Z$`));
    expect(output.stdout()).not.toContain(api_key);
  });

  it("prints one JSON line with --json", async () => {
    const { org_id, api_key } = await createOrgJson("Listed JSON");
    const output = createMemoryOutput();
    await runKeyListCommand(db.prisma, { org: org_id, json: true }, output);

    expect(output.stdout().split("\n")).toHaveLength(2);
    const listed = JSON.parse(output.stdout());
    expect(listed).toEqual({
      org_id,
      keys: [
        {
          id: expect.any(String),
          name: "default",
          prefix: api_key.slice(0, 12),
          created_at: expect.stringMatching(/Z$/),
          last_used_at: null,
          revoked_at: null,
        },
      ],
    });
  });

  it("says so when the organisation does not exist", async () => {
    await expect(
      runKeyListCommand(db.prisma, { org: unknownId, json: false }, createMemoryOutput()),
    ).rejects.toThrow(`organization ${unknownId} does not exist`);
  });
});

describe("key:revoke", () => {
  it("revokes the key, mentions the cache delay, and is idempotent", async () => {
    const { org_id, api_key } = await createOrgJson("Revoking");
    const [key] = await listApiKeys(db.prisma, org_id);
    const keyId = key?.id ?? "";

    const first = createMemoryOutput();
    await runKeyRevokeCommand(db.prisma, { keyId, json: false }, first);
    expect(first.stdout()).toContain(`Revoked API key ${keyId}`);
    expect(first.stdout()).toContain("up to 60 s");
    expect(await isActiveSecret(api_key)).toBe(false);

    const second = createMemoryOutput();
    await runKeyRevokeCommand(db.prisma, { keyId, json: false }, second);
    expect(second.stdout()).toContain("was already revoked at");
  });

  it("says so when the key does not exist or the id is not a UUID", async () => {
    await expect(
      runKeyRevokeCommand(db.prisma, { keyId: unknownId, json: false }, createMemoryOutput()),
    ).rejects.toThrow(`API key ${unknownId} does not exist`);
    await expect(
      runKeyRevokeCommand(db.prisma, { keyId: "k1", json: false }, createMemoryOutput()),
    ).rejects.toThrow('key id must be a UUID, got "k1"');
  });
});

describe("org:set-rate-limit", () => {
  it("sets the organisation's limit, which its keys then carry, and 'default' clears it", async () => {
    const { org_id, api_key } = await createOrgJson("Throttled");
    const keyHash = createHash("sha256").update(api_key).digest("hex");

    const json = createMemoryOutput();
    await runOrgSetRateLimitCommand(db.prisma, { org: org_id, perMinute: "250", json: true }, json);
    expect(JSON.parse(json.stdout())).toEqual({
      org_id,
      rate_limit_per_minute: 250,
      items_rate_limit_per_minute: null,
    });
    expect(await findActiveApiKeyByHash(db.prisma, keyHash)).toMatchObject({ rateLimitPerMinute: 250 });

    const text = createMemoryOutput();
    await runOrgSetRateLimitCommand(db.prisma, { org: org_id, perMinute: "default", json: false }, text);
    expect(text.stdout()).toContain("now has the default rate limit");
    expect(text.stdout()).toContain("within 60 s");
    expect((await findOrganization(db.prisma, org_id))?.rateLimitPerMinute).toBeNull();
  });

  it("refuses a limit that is not a whole number from 1 to 100000, changing nothing", async () => {
    const { org_id } = await createOrgJson("Strict");
    await runOrgSetRateLimitCommand(
      db.prisma,
      { org: org_id, perMinute: "40", json: true },
      createMemoryOutput(),
    );
    for (const bad of ["0", "-5", "1.5", "100001", "ten", ""]) {
      const output = createMemoryOutput();
      await expect(
        runOrgSetRateLimitCommand(db.prisma, { org: org_id, perMinute: bad, json: true }, output),
      ).rejects.toThrow(
        new CliError(`--per-minute must be a whole number from 1 to 100000, or "default", got "${bad}"`),
      );
      expect(output.stdout()).toBe("");
    }
    expect((await findOrganization(db.prisma, org_id))?.rateLimitPerMinute).toBe(40);
  });

  it("sets the batch items limit with --items-per-minute, leaving the request limit as it was", async () => {
    const { org_id, api_key } = await createOrgJson("Importer");
    const keyHash = createHash("sha256").update(api_key).digest("hex");
    await runOrgSetRateLimitCommand(
      db.prisma,
      { org: org_id, perMinute: "70", json: true },
      createMemoryOutput(),
    );
    const json = createMemoryOutput();
    await runOrgSetRateLimitCommand(db.prisma, { org: org_id, itemsPerMinute: "5000", json: true }, json);
    expect(JSON.parse(json.stdout())).toEqual({
      org_id,
      rate_limit_per_minute: 70,
      items_rate_limit_per_minute: 5000,
    });
    expect(await findActiveApiKeyByHash(db.prisma, keyHash)).toMatchObject({
      rateLimitPerMinute: 70,
      itemsRateLimitPerMinute: 5000,
    });
    const text = createMemoryOutput();
    await runOrgSetRateLimitCommand(db.prisma, { org: org_id, itemsPerMinute: "default", json: false }, text);
    expect(text.stdout()).toContain("now has the default batch items limit");
    expect((await findOrganization(db.prisma, org_id))?.itemsRateLimitPerMinute).toBeNull();
    for (const bad of ["0", "10000001", "many"]) {
      await expect(
        runOrgSetRateLimitCommand(
          db.prisma,
          { org: org_id, itemsPerMinute: bad, json: true },
          createMemoryOutput(),
        ),
      ).rejects.toThrow(
        new CliError(
          `--items-per-minute must be a whole number from 1 to 10000000, or "default", got "${bad}"`,
        ),
      );
    }
    await expect(
      runOrgSetRateLimitCommand(db.prisma, { org: org_id, json: true }, createMemoryOutput()),
    ).rejects.toThrow(new CliError("give --per-minute, --items-per-minute or both"));
  });

  it("names an unknown organisation", async () => {
    await expect(
      runOrgSetRateLimitCommand(
        db.prisma,
        { org: unknownId, perMinute: "10", json: true },
        createMemoryOutput(),
      ),
    ).rejects.toThrow(new CliError(`organization ${unknownId} does not exist`));
  });
});
