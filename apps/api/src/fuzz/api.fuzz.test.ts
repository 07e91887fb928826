import { randomInt, randomUUID } from "node:crypto";
import { createOrganization } from "@upsert/db";
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from "@upsert/testing";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type CapturedLogs, captureLogs } from "../testing/capture-logs";
import { startTestApi, type TestApi } from "../testing/start-test-api";
import {
  describeFuzzRequest,
  type FuzzCase,
  type FuzzFixtures,
  type FuzzRequest,
  type FuzzResponse,
  problemWith,
  sendFuzzRequest,
} from "./fuzz-client";
import { regressionCases } from "./regression-cases";
import { fuzzRequestArbitrary } from "./request-arbitraries";

declare module "vitest" {
  interface TaskMeta {
    /** One line for the CI log, printed by scripts/vitest-summary-reporter.ts. */
    summary?: string;
  }
}

// Generated requests over every route, field, header and path form, against the real API on a
// real socket, Postgres and Redis. FUZZ_SEED replays a run; FUZZ_CASES scales it.
function envInteger(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new Error(`${name} must be a non-negative integer, not ${JSON.stringify(value)}`);
  }
  return parsed;
}
const seed = envInteger("FUZZ_SEED", randomInt(2 ** 31));
const generatedCount = envInteger("FUZZ_CASES", 2_000);
const requestTimeoutMs = 5_000;

let database: TestDatabase;
let logs: CapturedLogs;
let api: TestApi;
let fixtures: FuzzFixtures;
/** Rows that exist before the run: what the fixtures created. */
let intakeBefore: Set<string>;
let definitionsBefore: Set<string>;

async function post(path: string, key: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await api.call(path.startsWith("/v1/contacts") ? "PUT" : "POST", path, { key, body });
  if (res.status >= 300) throw new Error(`fixture ${path}: ${res.status} ${res.text}`);
  return (res.body as { data: Record<string, unknown> }).data;
}

beforeAll(async () => {
  database = await createTestDatabase();
  logs = captureLogs();
  api = await startTestApi({
    databaseUrl: database.url,
    redisUrl: "redis://127.0.0.1:6379",
    queuePrefix: uniqueQueuePrefix(),
    logger: logs.logger,
    preferWaitMaxS: 1,
  });
  const own = await createOrganization(api.db.prisma, { name: "Acme" });
  const other = await createOrganization(api.db.prisma, { name: "Other" });
  const ownKey = own.apiKey.secret;
  const orgId = own.org.id;
  const tag = await post("/v1/tags", ownKey, { object: "contacts", name: "VIP" });
  const score = await post("/v1/custom-fields", ownKey, {
    entity: "contacts",
    name: "Score",
    type: "number",
  });
  const tier = await post("/v1/custom-fields", ownKey, {
    entity: "contacts",
    name: "Tier",
    type: "enum",
    options: ["gold", "silver"],
  });
  const account = await api.db.prisma.account.create({
    data: { id: randomUUID(), orgId, domain: "acme.com", name: "Acme" },
  });
  const contact = await api.db.prisma.contact.create({
    data: {
      id: randomUUID(),
      orgId,
      email: "jane@acme.com",
      emailNormalized: "jane@acme.com",
      source: "api",
      accountId: account.id,
    },
  });
  const job = await post("/v1/contacts", ownKey, { email: "fixture@acme.com" });
  fixtures = {
    ownKey,
    otherOrgKey: other.apiKey.secret,
    tagIds: [String(tag.id)],
    customFields: {
      numberKey: String(score.key),
      enumKey: String(tier.key),
      enumOptions: ["gold", "silver"],
    },
    contactIds: [contact.id],
    accountIds: [account.id],
    jobIds: [String(job.job_id)],
  };
  intakeBefore = new Set(
    (await api.db.prisma.intakeRequest.findMany({ select: { id: true } })).map((r) => r.id),
  );
  definitionsBefore = await definitionIds();
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
});

async function definitionIds(): Promise<Set<string>> {
  const [tags, fields] = await Promise.all([
    api.db.prisma.tag.findMany({ select: { id: true } }),
    api.db.prisma.customField.findMany({ select: { id: true } }),
  ]);
  return new Set([...tags, ...fields].map((row) => row.id));
}

/** What the answers say was accepted: job ids of 2xx intake answers, ids of 201s. */
// The definitions' own paths, with the id when there is one (the router matches case-insensitively).
const definitionPath = /^\/v1\/(?:tags|custom-fields)\/?(?:([^/?#]+)\/?)?(?:[?#]|$)/i;

/**
 * What the answers say was done: requests accepted (their job ids), and tags or custom fields
 * created (a POST to their collection answered 2xx with an id) or deleted (a DELETE of one
 * answered 204).
 */
function acceptedBy(answered: { request: FuzzRequest; res: FuzzResponse }[]): {
  jobIds: Set<string>;
  createdIds: Set<string>;
  deletedIds: Set<string>;
} {
  const jobIds = new Set<string>();
  const createdIds = new Set<string>();
  const deletedIds = new Set<string>();
  for (const { request, res } of answered) {
    if (res.status === null || res.status < 200 || res.status >= 300 || request.kind !== "http") continue;
    const definition = definitionPath.exec(request.path);
    if (definition && request.method === "DELETE" && res.status === 204 && definition[1]) {
      deletedIds.add(decodeURIComponent(definition[1]).toLowerCase());
      continue;
    }
    let data: { job_id?: unknown; id?: unknown } | undefined;
    try {
      data = (JSON.parse(res.body) as { data?: typeof data }).data;
    } catch {
      continue;
    }
    if (typeof data?.job_id === "string") jobIds.add(data.job_id);
    if (definition && !definition[1] && request.method === "POST" && typeof data?.id === "string") {
      createdIds.add(data.id);
    }
  }
  return { jobIds, createdIds, deletedIds };
}

const sortedDifference = (a: Set<string>, b: Set<string>) => [...a].filter((id) => !b.has(id)).sort();

it(
  "answers every request with a 2xx or a 4xx in the envelope, in time, and records only what it accepted",
  async ({ task }) => {
    const cases: FuzzCase[] = [
      ...regressionCases(fixtures),
      ...fc
        .sample(fuzzRequestArbitrary(fixtures), { numRuns: generatedCount, seed })
        .map((request, index) => ({ name: `generated #${index}`, request })),
    ];
    const regressionCount = cases.length - generatedCount;
    // The line to look for in CI output: how much ran, and how to replay it. Printed first, so a
    // run that hangs still shows its seed; the summary reporter repeats it at the end.
    const runLine = `fuzz: ${cases.length} cases (${regressionCount} regression + ${generatedCount} generated), seed ${seed}; replay: FUZZ_SEED=${seed} FUZZ_CASES=${generatedCount} pnpm test:fuzz`;
    console.log(runLine);
    task.meta.summary = runLine;

    const answered: { request: FuzzRequest; res: FuzzResponse }[] = [];
    const failures: string[] = [];
    const statusCounts = new Map<string, number>();
    for (const fuzzCase of cases) {
      const res = await sendFuzzRequest(api.url, fuzzCase.request, requestTimeoutMs);
      answered.push({ request: fuzzCase.request, res });
      const status = res.status === null ? "none" : String(res.status);
      statusCounts.set(status, (statusCounts.get(status) ?? 0) + 1);
      const problem = problemWith(fuzzCase.request, res);
      if (problem)
        failures.push(`${fuzzCase.name}: ${problem}\n    ${describeFuzzRequest(fuzzCase.request)}`);
    }

    const { jobIds, createdIds, deletedIds } = acceptedBy(answered);
    const statuses = [...statusCounts].sort(([a], [b]) => a.localeCompare(b));
    console.log(
      `fuzz: answers by status ${statuses.map(([status, count]) => `${status}: ${count}`).join(", ")}; ` +
        `${jobIds.size} requests accepted, ${createdIds.size} tags or custom fields created, ${deletedIds.size} deleted; ${failures.length} failed (seed ${seed})`,
    );
    task.meta.summary = `${runLine}; ${failures.length} failed`;
    expect.soft(failures.slice(0, 25), `${failures.length} of ${cases.length} cases failed`).toEqual([]);

    // A rejected request writes nothing: the rows are exactly the fixtures' and what was accepted.
    const intakeAfter = new Set(
      (await api.db.prisma.intakeRequest.findMany({ select: { id: true } })).map((r) => r.id),
    );
    const expectedIntake = new Set([...intakeBefore, ...jobIds]);
    expect.soft(sortedDifference(intakeAfter, expectedIntake), "intake rows no answer accepted").toEqual([]);
    expect.soft(sortedDifference(expectedIntake, intakeAfter), "accepted requests without a row").toEqual([]);
    const definitionsAfter = await definitionIds();
    const expectedDefinitions = new Set(
      [...definitionsBefore, ...createdIds].filter((id) => !deletedIds.has(id)),
    );
    expect
      .soft(sortedDifference(definitionsAfter, expectedDefinitions), "tags or fields no answer created")
      .toEqual([]);
    expect
      .soft(sortedDifference(expectedDefinitions, definitionsAfter), "created but not stored")
      .toEqual([]);

    // And enqueues nothing: one job per row (no worker runs, so every job is still there).
    const counts = await api.producer.countByState();
    const jobCount = Object.values(counts).reduce((sum, count) => sum + count, 0);
    expect.soft(jobCount, `jobs in the queue by state: ${JSON.stringify(counts)}`).toBe(intakeAfter.size);
    const missing: string[] = [];
    for (const id of jobIds) if (!(await api.producer.findJob(id))) missing.push(id);
    expect.soft(missing, "accepted requests without a job").toEqual([]);

    // Nothing the requests did was an unexpected error on the server's side either.
    const errors = logs.lines.filter((line) => typeof line.level === "number" && line.level >= 50);
    expect
      .soft(
        errors.slice(0, 5).map((line) => line.msg),
        `${errors.length} error logs`,
      )
      .toEqual([]);
  },
  60_000 + (generatedCount + 50) * (requestTimeoutMs / 50),
);
