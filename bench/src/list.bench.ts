// `pnpm bench:list`: POST /v1/contacts/list against one organisation of 1,000,000 contacts, through
// the project's API process. See the README's "Listing contacts and accounts" section.
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import {
  listStatements,
  resolvedTagsOf,
  serialStatementSetting,
  type TagLookupRow,
  tagLookupStatement,
} from "@upsert/db";
import { parseListRequest } from "@upsert/domain";
import { createBenchDatabase } from "./bench-database";
import { cleanUpOnSignals, createCleanup } from "./cleanup";
import { benchEnvSchema } from "./config";
import { startProjectApi } from "./processes";

const { values: flags } = parseArgs({
  options: {
    contacts: { type: "string", default: "1000000" },
    requests: { type: "string", default: "200" },
  },
});
const contactCount = Number(flags.contacts);
const requests = Number(flags.requests);
if (!Number.isInteger(contactCount) || contactCount < 10_000)
  throw new Error("--contacts must be an integer ≥ 10000");
if (!Number.isInteger(requests) || requests < 10) throw new Error("--requests must be an integer ≥ 10");

const accountCount = Math.max(1, Math.floor(contactCount / 100));
const tagCount = 20;
const env = benchEnvSchema.parse(process.env);
const startedAt = Date.now();
const log = (line: string) =>
  process.stderr.write(`[bench:list ${((Date.now() - startedAt) / 1_000).toFixed(0)}s] ${line}\n`);
const cleanup = createCleanup(log);
cleanUpOnSignals(cleanup, log);

/**
 * One org: `accountCount` accounts (company<i>.com), `contactCount` contacts (person<g>@company<g mod
 * accounts>.com, in that account), one created per second up to now, updated within a day after;
 * every fifth contact tagged with one of 20 tags (tag-<g mod 20>, so 1/100 of contacts per tag).
 * Then VACUUM ANALYZE: autovacuum is off on this machine, and a production database would have
 * vacuumed (visibility map for index-only counts) and analysed after a load this size.
 */
async function load(database: Awaited<ReturnType<typeof createBenchDatabase>>, orgId: string): Promise<void> {
  const q = (sql: string, values: unknown[] = []) => database.client.query(sql, values);
  await q(
    `INSERT INTO accounts (id, org_id, domain, name, created_at, updated_at)
     SELECT gen_random_uuid(), $1::uuid, 'company' || i || '.com', 'Company ' || i, now() - interval '30 days', now() - interval '30 days'
       FROM generate_series(0, $2::int - 1) AS i`,
    [orgId, accountCount],
  );
  await q(
    `INSERT INTO contacts (id, org_id, email, email_normalized, first_name, last_name, title, account_id, created_at, updated_at)
     SELECT gen_random_uuid(), $1::uuid, e.email, e.email, 'First' || g, 'Last' || g, 'Engineer', a.id,
            now() - make_interval(secs => $2::int - g),
            least(now(), now() - make_interval(secs => $2::int - g) + make_interval(secs => (g::bigint * 7919) % 86400))
       FROM generate_series(1, $2::int) AS g
       CROSS JOIN LATERAL (SELECT 'person' || g || '@company' || (g % $3::int) || '.com' AS email) AS e
       JOIN accounts a ON a.org_id = $1::uuid AND a.domain = 'company' || (g % $3::int) || '.com'`,
    [orgId, contactCount, accountCount],
  );
  await q(
    `INSERT INTO tags (id, org_id, object_type, name, name_normalized)
     SELECT gen_random_uuid(), $1::uuid, 'contacts', 'tag-' || i, 'tag-' || i FROM generate_series(0, $2::int - 1) AS i`,
    [orgId, tagCount],
  );
  await q(
    `INSERT INTO contact_tags (contact_id, tag_id)
     SELECT c.id, t.id
       FROM contacts c
       JOIN tags t ON t.org_id = c.org_id AND t.name_normalized = 'tag-' || ((substring(c.email from 'person(\\d+)@')::int / 5) % $2::int)
      WHERE c.org_id = $1::uuid AND substring(c.email from 'person(\\d+)@')::int % 5 = 0`,
    [orgId, tagCount],
  );
  await q("VACUUM (ANALYZE)");
}

interface Scenario {
  name: string;
  /** The i-th request's body: values vary, so no two requests read the same rows. */
  body(i: number): unknown;
  requests: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

try {
  log(`loading ${contactCount.toLocaleString("en")} contacts, ${accountCount} accounts, ${tagCount} tags`);
  const database = await createBenchDatabase(env.DATABASE_URL, "list", cleanup);
  const [org] = await database.createOrgs(1, "list");
  if (!org) throw new Error("no org");
  await load(database, org.id);
  const { rows: accountRows } = await database.client.query<{ id: string }>(
    "SELECT id FROM accounts WHERE org_id = $1 ORDER BY domain LIMIT 500",
    [org.id],
  );
  const { rows: sizeRows } = await database.client.query<{ size: string }>(
    "SELECT pg_size_pretty(pg_total_relation_size('contacts')) AS size",
  );
  log(`loaded; contacts table with indexes: ${sizeRows[0]?.size}`);

  const api = await startProjectApi(
    {
      databaseUrl: database.url,
      redisUrl: env.REDIS_URL,
      queuePrefix: `bench-list-${randomBytes(4).toString("hex")}`,
    },
    cleanup,
  );

  const person = (i: number) => 1 + ((i * 104_729) % contactCount);
  const hourEnd = (i: number) => new Date(Date.now() - (i % 100) * 3_600_000);
  const scenarios: Scenario[] = [
    {
      name: "email equals",
      requests,
      body: (i) => ({
        filters: [
          {
            field: "email",
            condition: "equals",
            value: `person${person(i)}@company${person(i) % accountCount}.com`,
          },
        ],
      }),
    },
    {
      name: "account.domain equals (100 contacts each)",
      requests,
      body: (i) => ({
        filters: [
          { field: "account.domain", condition: "equals", value: `company${(i * 37) % accountCount}.com` },
        ],
      }),
    },
    {
      name: "account_id is (100 contacts each)",
      requests,
      body: (i) => ({
        filters: [{ field: "account_id", condition: "is", value: accountRows[i % accountRows.length]?.id }],
      }),
    },
    {
      name: "tags is (10,000 contacts each)",
      requests,
      body: (i) => ({ filters: [{ field: "tags", condition: "is", value: `tag-${i % tagCount}` }] }),
    },
    {
      name: "updated_at in a one-hour range",
      requests,
      body: (i) => ({
        filters: [
          {
            field: "updated_at",
            condition: "is_after",
            value: new Date(hourEnd(i).getTime() - 3_600_000).toISOString(),
          },
          { field: "updated_at", condition: "is_before", value: hourEnd(i).toISOString() },
        ],
        sort: "-updated_at",
      }),
    },
    { name: "no filter, default sort (-created_at)", requests, body: (i) => ({ page: 1 + (i % 5) }) },
    {
      name: "email contains (no index: sequential scan)",
      requests: Math.max(10, Math.floor(requests / 10)),
      body: (i) => ({ filters: [{ field: "email", condition: "contains", value: `son${person(i)}@` }] }),
    },
  ];

  const rows: string[] = [];
  for (const scenario of scenarios) {
    const call = async (i: number) => {
      const began = performance.now();
      const res = await fetch(`${api.url}/v1/contacts/list`, {
        method: "POST",
        headers: { authorization: `Bearer ${org.key}`, "content-type": "application/json" },
        body: JSON.stringify(scenario.body(i)),
      });
      const body = (await res.json()) as {
        data?: unknown[];
        pagination?: { total_count: number; total_count_exact: boolean };
      };
      if (res.status !== 200) throw new Error(`${scenario.name}: ${res.status} ${JSON.stringify(body)}`);
      return { ms: performance.now() - began, items: body.data?.length ?? 0, pagination: body.pagination };
    };
    for (let i = 0; i < 10; i += 1) await call(1_000_000 + i); // warm-up
    const times: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < scenario.requests; i += 1) {
      last = await call(i);
      times.push(last.ms);
    }
    times.sort((a, b) => a - b);
    // The same statements straight on one connection of the benchmark's own, one after the
    // other: the database's share of a request (the API runs page and count side by side).
    const dbTimes: number[] = [];
    for (let i = 0; i < scenario.requests; i += 1) {
      const query = parseListRequest("contacts", scenario.body(i), []);
      const began = performance.now();
      const lookup = tagLookupStatement(org.id, query);
      const tagRows = lookup
        ? (await database.client.query<TagLookupRow>(lookup.text, lookup.values)).rows
        : [];
      const { page, count } = listStatements(org.id, query, { countLimit: 10_000 }, resolvedTagsOf(tagRows));
      if (page.serial) {
        await database.client.query("BEGIN");
        await database.client.query(serialStatementSetting);
        await database.client.query(page.text, page.values);
        await database.client.query("COMMIT");
      } else {
        await database.client.query(page.text, page.values);
      }
      await database.client.query(count.text, count.values);
      dbTimes.push(performance.now() - began);
    }
    dbTimes.sort((a, b) => a - b);
    const count = last?.pagination
      ? `${last.pagination.total_count.toLocaleString("en")}${last.pagination.total_count_exact ? "" : " (at least)"}`
      : "?";
    const row = `| ${scenario.name} | ${scenario.requests} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 99).toFixed(1)} | ${percentile(dbTimes, 50).toFixed(1)} | ${percentile(dbTimes, 99).toFixed(1)} | ${last?.items ?? 0} | ${count} |`;
    rows.push(row);
    log(row);
  }
  // What an exact total_count of the whole org would cost (the count the API caps).
  const exactTimes: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const began = performance.now();
    await database.client.query("SELECT count(*) FROM contacts WHERE org_id = $1", [org.id]);
    exactTimes.push(performance.now() - began);
  }
  exactTimes.sort((a, b) => a - b);
  const exactLine = `Exact count of the whole org (what LIST_COUNT_LIMIT avoids), 5 runs: median ${percentile(exactTimes, 50).toFixed(1)} ms, max ${percentile(exactTimes, 100).toFixed(1)} ms`;
  log(exactLine);
  process.stdout.write(
    [
      `POST /v1/contacts/list, one org of ${contactCount.toLocaleString("en")} contacts, sequential requests through the API process (ms)`,
      "",
      "| listing by | requests | API p50 | API p99 | database p50 | database p99 | items on the page | total_count (last request) |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
      ...rows,
      "",
      exactLine,
      "",
    ].join("\n"),
  );
} finally {
  await cleanup.run();
}
