import { parseListRequest } from "@upsert/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../create-db";
import { createEmptyDatabase, type EmptyDatabase } from "../empty-database.fixture";
import { migrate } from "../migrations";
import {
  prefersHashedTagFilter,
  resolvedTagsOf,
  type TagLookupRow,
  tagLookupStatement,
} from "./list-compiler";
import { listContacts, listStatements } from "./list-records.repository";
import { createOrganization } from "./organizations.repository";

// @upsert/testing depends on this package, so this file migrates its own empty database.
let database: EmptyDatabase;
let db: Db;
let orgId: string;
/** Contact emails by tag name, newest first (the default sort, -created_at). */
const taggedNewestFirst = new Map<string, string[]>();
const contactCount = 4_000;
/** Tag name → every how many contacts one holds it: 4,000 / 2,000 / 200 / 4 contacts. */
const tagEvery = { everyone: 1, half: 2, twentieth: 20, rare: 1_000 } as const;

beforeAll(async () => {
  database = await createEmptyDatabase();
  await migrate(database.url);
  db = createDb(database.url, { maxConnections: 4 });
  orgId = (await createOrganization(db.prisma, { name: "List by tag" })).org.id;
  const other = (await createOrganization(db.prisma, { name: "Another org" })).org.id;
  const q = (sql: string, ...values: unknown[]) => db.prisma.$executeRawUnsafe(sql, ...values);
  // Contact g is created g seconds after the first; another org has as many, tagged alike, so the
  // org's share of the table statistics is a half.
  for (const org of [orgId, other]) {
    await q(
      `INSERT INTO contacts (id, org_id, email, email_normalized, created_at, updated_at)
       SELECT gen_random_uuid(), $1::uuid, 'p' || g || '@acme.com', 'p' || g || '@acme.com',
              timestamp '2026-01-01' + make_interval(secs => g), timestamp '2026-01-01' + make_interval(secs => g)
         FROM generate_series(1, $2::int) AS g`,
      org,
      contactCount,
    );
    for (const [name, every] of Object.entries(tagEvery)) {
      await q(
        `WITH tag AS (INSERT INTO tags (id, org_id, object_type, name, name_normalized)
                      VALUES (gen_random_uuid(), $1::uuid, 'contacts', $2, $2) RETURNING id)
         INSERT INTO contact_tags (contact_id, tag_id)
         SELECT c.id, tag.id FROM contacts c, tag
          WHERE c.org_id = $1::uuid AND substring(c.email from 'p(\\d+)@')::int % $3::int = 0`,
        org,
        name,
        every,
      );
    }
  }
  await q("ANALYZE");
  for (const [name, every] of Object.entries(tagEvery)) {
    const emails: string[] = [];
    for (let g = contactCount; g >= 1; g -= 1) if (g % every === 0) emails.push(`p${g}@acme.com`);
    taggedNewestFirst.set(name, emails);
  }
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const byTag = (name: string, page: number, pageSize: number) =>
  parseListRequest(
    "contacts",
    { filters: [{ field: "tags", condition: "is", value: name }], page, page_size: pageSize },
    [],
  );

async function statementsFor(name: string, page: number, pageSize: number) {
  const query = byTag(name, page, pageSize);
  const lookup = tagLookupStatement(orgId, query);
  if (!lookup) throw new Error("a tag query has a lookup");
  const rows = await db.prisma.$queryRawUnsafe<TagLookupRow[]>(lookup.text, ...lookup.values);
  return { rows, page: listStatements(orgId, query, { countLimit: 10_000 }, resolvedTagsOf(rows)).page };
}

describe("listing contacts by tag", () => {
  it("reads the org's contact estimate from the statistics and each tag's size", async () => {
    const { rows } = await statementsFor("twentieth", 1, 50);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.size).toBe(200);
    // Two orgs of 4,000 contacts each: the planner's share is close to 4,000.
    expect(rows[0]?.org_contacts).toBeGreaterThan(3_000);
    expect(rows[0]?.org_contacts).toBeLessThan(5_000);
  });

  it("answers the same pages whichever plan shape the tag's size picks", async () => {
    // The cases cover both shapes: the hashed filter for a mid-sized tag, the planner's own
    // plans for the rest (checked here, so the comparison below covers both).
    const shapes = new Map<string, boolean>();
    for (const name of Object.keys(tagEvery)) {
      for (const [page, pageSize] of [
        [1, 50],
        [3, 50],
        [2, 500],
      ] as const) {
        const { page: statement } = await statementsFor(name, page, pageSize);
        shapes.set(`${name} ${page}`, statement.text.includes(") IS TRUE"));
        const listed = await listContacts(db.prisma, orgId, byTag(name, page, pageSize), {
          countLimit: 10_000,
        });
        const expected = taggedNewestFirst.get(name) ?? [];
        expect(listed.items.map((item) => item.record.email)).toEqual(
          expected.slice((page - 1) * pageSize, page * pageSize),
        );
        expect(listed.totalCount).toBe(expected.length);
      }
    }
    expect(shapes.get("twentieth 1")).toBe(true);
    expect(shapes.get("rare 1")).toBe(false);
    expect(shapes.get("everyone 1")).toBe(false);
  });
});

describe("prefersHashedTagFilter", () => {
  it("keeps the planner's plans for small and large tags, the hash between", () => {
    const million = 1_000_000;
    expect(prefersHashedTagFilter(100, million, 50)).toBe(false);
    expect(prefersHashedTagFilter(1_000, million, 50)).toBe(true);
    expect(prefersHashedTagFilter(10_000, million, 50)).toBe(true);
    expect(prefersHashedTagFilter(20_000, million, 50)).toBe(true);
    expect(prefersHashedTagFilter(40_000, million, 50)).toBe(false);
    expect(prefersHashedTagFilter(100_000, million, 50)).toBe(false);
    // Without statistics (orgContacts 0) or without a tag, the planner decides.
    expect(prefersHashedTagFilter(10_000, 0, 50)).toBe(false);
    expect(prefersHashedTagFilter(0, million, 50)).toBe(false);
  });
});
