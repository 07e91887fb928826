// Migration 20261201020000 on a database written under the old email rule (trim + lower-case):
// stored forms are recomputed with normaliseEmail, colliding contacts are reported, not merged.
import { createHash, randomUUID } from "node:crypto";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { payloadHash } from "@upsert/domain";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyDatabase, type EmptyDatabase } from "../empty-database.fixture";
import { defaultMigrationsDir, type MigrateResult, migrate } from "./migrate";

const migrationName = "20261201020000_email_domain_normalisation";

let database: EmptyDatabase;
let client: Client;
let result: MigrateResult;
let oldMigrationsDir: string;

const orgA = randomUUID();
const orgB = randomUUID();
/** Contacts by role, with the email and the form the old rule stored. */
const contacts = {
  holder: { org: orgA, email: "dup@acme.com", stored: "dup@acme.com", createdAt: "2026-01-01" },
  fullwidth: { org: orgA, email: "dup@ＡＣＭＥ.com", stored: "dup@ａｃｍｅ.com", createdAt: "2026-01-02" },
  ideographic: {
    org: orgA,
    email: "dup@acme\u3002com",
    stored: "dup@acme\u3002com",
    createdAt: "2026-01-03",
  },
  unicodeOlder: { org: orgA, email: "ivy@bücher.de", stored: "ivy@bücher.de", createdAt: "2026-01-04" },
  unicodeYounger: { org: orgA, email: "Ivy@ｂücher.de", stored: "ivy@ｂücher.de", createdAt: "2026-01-05" },
  alone: { org: orgA, email: "solo@münchen.de", stored: "solo@münchen.de", createdAt: "2026-01-06" },
  ascii: { org: orgA, email: "Plain@Example.com", stored: "plain@example.com", createdAt: "2026-01-07" },
  otherOrg: { org: orgB, email: "dup@ａｃｍｅ.com", stored: "dup@ａｃｍｅ.com", createdAt: "2026-01-08" },
  // Never accepted by the API, but a database may hold anything: reported, left alone.
  invalid: { org: orgA, email: "root@localhost", stored: "root@localhost", createdAt: "2026-01-09" },
} as const;
type Role = keyof typeof contacts;
const ids = Object.fromEntries(Object.keys(contacts).map((role) => [role, randomUUID()])) as Record<
  Role,
  string
>;
const linkedinOnly = randomUUID();

const requests = {
  queued: randomUUID(),
  finished: randomUUID(),
  keyed: randomUUID(),
  unverifiable: randomUUID(),
  account: randomUUID(),
};
const oldKeys = ["domain:acme.com", "email:dup@ａｃｍｅ.com"];
const keyedPayload = { email: "Jane@Acme.com", title: "CTO" };
const sha256Hex = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

beforeAll(async () => {
  database = await createEmptyDatabase();
  // The schema as it was before this migration: every folder but this one.
  oldMigrationsDir = await mkdtemp(path.join(tmpdir(), "upsert-migrations-"));
  await cp(defaultMigrationsDir, oldMigrationsDir, { recursive: true });
  await rm(path.join(oldMigrationsDir, migrationName), { recursive: true });
  await migrate(database.url, { migrationsDir: oldMigrationsDir });

  client = new Client({ connectionString: database.url });
  await client.connect();
  await client.query(`INSERT INTO organizations (id, name) VALUES ($1, 'A'), ($2, 'B')`, [orgA, orgB]);
  for (const [role, contact] of Object.entries(contacts) as [Role, (typeof contacts)[Role]][]) {
    await client.query(
      `INSERT INTO contacts (id, org_id, email, email_normalized, created_at) VALUES ($1, $2, $3, $4, $5)`,
      [ids[role], contact.org, contact.email, contact.stored, contact.createdAt],
    );
  }
  await client.query(
    `INSERT INTO contacts (id, org_id, linkedin_url, linkedin_canonical) VALUES ($1, $2, $3, $3)`,
    [linkedinOnly, orgA, "https://linkedin.com/in/nomail"],
  );
  const insertRequest = (
    id: string,
    values: {
      operation?: string;
      payload: object;
      keys: string[];
      hash: string;
      key?: string;
      status?: string;
    },
  ) =>
    client.query(
      `INSERT INTO intake_requests (id, org_id, operation, payload, identity_keys, payload_hash, idempotency_key, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::job_status)`,
      [
        id,
        orgA,
        values.operation ?? "contact.upsert",
        JSON.stringify(values.payload),
        values.keys,
        values.hash,
        values.key ?? null,
        values.status ?? "queued",
      ],
    );
  const fullwidthPayload = { email: "dup@ａｃｍｅ.com" };
  const oldHash = sha256Hex('{"email":"dup@ａｃｍｅ.com"}');
  await insertRequest(requests.queued, { payload: fullwidthPayload, keys: oldKeys, hash: oldHash });
  await insertRequest(requests.finished, {
    payload: fullwidthPayload,
    keys: oldKeys,
    hash: oldHash,
    status: "succeeded",
  });
  await insertRequest(requests.keyed, {
    payload: keyedPayload,
    keys: ["domain:acme.com", "email:jane@acme.com"],
    hash: sha256Hex('{"email":"Jane@Acme.com","title":"CTO"}'),
    key: "retry-me",
    status: "succeeded",
  });
  await insertRequest(requests.unverifiable, {
    payload: { email: "Kim@Acme.com" },
    keys: ["domain:acme.com", "email:kim@acme.com"],
    hash: "0".repeat(64),
    key: "odd-one",
  });
  await insertRequest(requests.account, {
    operation: "account.upsert",
    payload: { domain: "acme.com" },
    keys: ["account:acme.com", "domain:acme.com"],
    hash: sha256Hex('{"domain":"acme.com"}'),
  });

  result = await migrate(database.url);
});

afterAll(async () => {
  await client?.end();
  await database?.drop();
  if (oldMigrationsDir) await rm(oldMigrationsDir, { recursive: true, force: true });
});

async function storedForms(): Promise<Record<string, string | null>> {
  const { rows } = await client.query<{ id: string; email_normalized: string | null }>(
    "SELECT id, email_normalized FROM contacts",
  );
  return Object.fromEntries(rows.map((row) => [row.id, row.email_normalized]));
}

describe("migration 20261201020000: email domains normalised", () => {
  it("recomputes each contact's stored form, except where that would make two contacts one", async () => {
    const forms = await storedForms();
    expect(forms).toEqual({
      [ids.holder]: "dup@acme.com",
      // Another contact of the org already is dup@acme.com: left as they were.
      [ids.fullwidth]: "dup@ａｃｍｅ.com",
      [ids.ideographic]: "dup@acme\u3002com",
      // Nobody had the new form: the oldest of the two gets it, the younger keeps its old one.
      [ids.unicodeOlder]: "ivy@xn--bcher-kva.de",
      [ids.unicodeYounger]: "ivy@ｂücher.de",
      [ids.alone]: "solo@xn--mnchen-3ya.de",
      [ids.ascii]: "plain@example.com",
      // Another org: no collision.
      [ids.otherOrg]: "dup@acme.com",
      [ids.invalid]: "root@localhost",
      [linkedinOnly]: null,
    });
  });

  it("merges nothing: every contact and the email it was given are still there", async () => {
    const { rows } = await client.query<{ id: string; email: string | null }>(
      "SELECT id, email FROM contacts",
    );
    expect(rows).toHaveLength(Object.keys(contacts).length + 1);
    for (const [role, contact] of Object.entries(contacts) as [Role, (typeof contacts)[Role]][]) {
      expect(rows.find((row) => row.id === ids[role])?.email).toBe(contact.email);
    }
  });

  it("reports the colliding contacts in contact_email_conflicts and in the migrate result", async () => {
    const { rows } = await client.query(
      "SELECT contact_id, org_id, reason, email_normalized, kept_contact_id FROM contact_email_conflicts",
    );
    const collision = (contactId: string, emailNormalized: string, keptContactId: string) => ({
      contact_id: contactId,
      org_id: orgA,
      reason: "collision",
      email_normalized: emailNormalized,
      kept_contact_id: keptContactId,
    });
    expect(rows).toHaveLength(4);
    expect(rows).toEqual(
      expect.arrayContaining([
        collision(ids.fullwidth, "dup@acme.com", ids.holder),
        collision(ids.ideographic, "dup@acme.com", ids.holder),
        collision(ids.unicodeYounger, "ivy@xn--bcher-kva.de", ids.unicodeOlder),
        {
          contact_id: ids.invalid,
          org_id: orgA,
          reason: "not_normalisable",
          email_normalized: null,
          kept_contact_id: null,
        },
      ]),
    );

    const [report] = result.dataMigrations;
    expect(report).toMatchObject({
      name: migrationName,
      counts: {
        contactsRenormalised: 3,
        contactCollisions: 3,
        contactsNotNormalisable: 1,
        requestIdentityKeysUpdated: 1,
        payloadHashesUpdated: 1,
        payloadHashesUnverified: 1,
      },
    });
    for (const id of [ids.fullwidth, ids.ideographic, ids.unicodeYounger, ids.invalid]) {
      expect(report?.warnings.some((warning) => warning.includes(id))).toBe(true);
    }
    // Ids only: the output goes to deploy logs.
    expect(report?.warnings.join("\n")).not.toContain("@");
    const { rows: recorded } = await client.query(
      "SELECT finished_at IS NOT NULL AS finished, report -> 'counts' AS counts FROM data_migrations WHERE name = $1",
      [migrationName],
    );
    expect(recorded).toEqual([{ finished: true, counts: report?.counts }]);
  });

  it("recomputes the identity keys of unfinished contact requests only", async () => {
    const { rows } = await client.query<{ id: string; identity_keys: string[] }>(
      "SELECT id, identity_keys FROM intake_requests",
    );
    const keysOf = (id: string) => rows.find((row) => row.id === id)?.identity_keys;
    expect(keysOf(requests.queued)).toEqual(["domain:acme.com", "email:dup@acme.com"]);
    expect(keysOf(requests.finished)).toEqual(oldKeys);
    expect(keysOf(requests.account)).toEqual(["account:acme.com", "domain:acme.com"]);
  });

  it("rehashes requests with an idempotency key, so a retry in another form of the mailbox is a replay", async () => {
    const { rows } = await client.query<{ id: string; payload_hash: string }>(
      "SELECT id, payload_hash FROM intake_requests",
    );
    const hashOf = (id: string) => rows.find((row) => row.id === id)?.payload_hash;
    expect(hashOf(requests.keyed)).toBe(payloadHash({ email: "jane@ａｃｍｅ.com", title: "CTO" }));
    expect(hashOf(requests.keyed)).toBe(payloadHash(keyedPayload));
    // Its stored hash was not the old rule's hash of its payload: left alone (and counted).
    expect(hashOf(requests.unverifiable)).toBe("0".repeat(64));
    // Without a key the hash is never compared, so it is not rewritten.
    expect(hashOf(requests.queued)).toBe(sha256Hex('{"email":"dup@ａｃｍｅ.com"}'));
  });

  it("runs once: migrating again changes nothing", async () => {
    const before = await storedForms();
    const again = await migrate(database.url);
    expect(again).toMatchObject({ applied: [], dataMigrations: [] });
    expect(await storedForms()).toEqual(before);
  });
});
