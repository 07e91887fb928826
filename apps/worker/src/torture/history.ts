import { isDeepStrictEqual } from "node:util";
import type { InitialOrgState } from "@upsert/domain";
import { loadComparableState, loadOutcomes, runModel } from "../testing/compare-with-model";
import { createRandom, type IdentityPool, randomUpsert } from "../testing/request-generator";
import type { Stack } from "../testing/start-stack";

export interface SentRequest {
  stream: number;
  index: number;
  status: number;
  jobId: string;
}

/**
 * `streams` clients send concurrently; each sends its requests one after another (the next after
 * the previous answer), as a real integration does. Answers other than 202 are kept, not retried.
 */
export async function sendStreams(
  stack: Stack,
  options: {
    streams: number;
    perStream: number;
    seed: number;
    pool: IdentityPool;
    /** Told the number of answers so far, after each one. */
    onAnswer?: (answered: number) => void;
  },
): Promise<SentRequest[]> {
  const sent: SentRequest[] = [];
  await Promise.all(
    Array.from({ length: options.streams }, async (_, stream) => {
      const random = createRandom(options.seed * 1_000 + stream);
      for (let index = 0; index < options.perStream; index += 1) {
        const { status, jobId } = await stack.put(randomUpsert(random, options.pool));
        sent.push({ stream, index, status, jobId });
        options.onAnswer?.(sent.length);
      }
    }),
  );
  return sent;
}

export interface HistoryCheck {
  duplicates: number;
  /** Stream order violations + outcome differences + state differences from the model. */
  orderViolations: number;
  lost: number;
  stuck: number;
  unexpectedFailures: number;
  /** Created contacts not asked about exactly once (a provider call or a cached answer). */
  enrichmentMismatch: number;
  details: string[];
}

/** The checks of a drained history: G1, G2 (per stream and against the model), none lost or stuck. */
export async function checkHistory(
  stack: Stack,
  sent: SentRequest[],
  initial: InitialOrgState,
  options: { expectOneEnrichmentPerCreate: boolean },
): Promise<HistoryCheck> {
  const { prisma } = stack.db;
  const details: string[] = [];
  const duplicateRows = await prisma.$queryRaw<{ n: bigint }[]>`
    SELECT (SELECT count(*) FROM (SELECT 1 FROM contacts WHERE email_normalized IS NOT NULL
              GROUP BY org_id, email_normalized HAVING count(*) > 1) d)
         + (SELECT count(*) FROM (SELECT 1 FROM contacts WHERE linkedin_canonical IS NOT NULL
              GROUP BY org_id, linkedin_canonical HAVING count(*) > 1) d)
         + (SELECT count(*) FROM (SELECT 1 FROM accounts WHERE domain IS NOT NULL
              GROUP BY org_id, domain HAVING count(*) > 1) d) AS n`;
  const duplicates = Number(duplicateRows[0]?.n ?? 0);

  const rows = await prisma.intakeRequest.findMany({
    where: { orgId: stack.orgId },
    select: { id: true, seq: true, status: true, error: true, enrichmentDueAt: true },
  });
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const accepted = sent.filter((s) => s.status === 202);
  const lost = accepted.filter((s) => !rowById.has(s.jobId)).length;
  // Stuck: not finished, or written but its enrichment job never finished.
  const stuck = rows.filter(
    (r) => r.status === "queued" || r.status === "running" || r.enrichmentDueAt,
  ).length;
  const unexpectedFailures = rows.filter(
    (r) => r.status === "failed" && (r.error as { code?: string } | null)?.code !== "conflict",
  ).length;

  let streamViolations = 0;
  for (const stream of new Set(accepted.map((s) => s.stream))) {
    const seqs = accepted
      .filter((s) => s.stream === stream)
      .sort((a, b) => a.index - b.index)
      .map((s) => rowById.get(s.jobId)?.seq ?? -1n);
    for (let i = 1; i < seqs.length; i += 1)
      if ((seqs[i] ?? 0n) <= (seqs[i - 1] ?? 0n)) streamViolations += 1;
  }

  const model = await runModel(stack.db, stack.orgId, initial);
  const outcomes = await loadOutcomes(stack.db, stack.orgId);
  const outcomeDiffs = outcomes.filter((o, i) => !isDeepStrictEqual(o, model.outcomes[i]));
  for (const diff of outcomeDiffs.slice(0, 5)) {
    details.push(
      `seq ${diff.seq}: got ${diff.status} ${diff.summary}, model ${JSON.stringify(model.outcomes.find((m) => m.seq === diff.seq))}`,
    );
  }
  const state = await loadComparableState(stack.db, stack.orgId);
  const contactDiffs = countDifferences(state.contacts, model.state.contacts, "contact", details);
  const accountDiffs = countDifferences(state.accounts, model.state.accounts, "account", details);

  let enrichmentMismatch = 0;
  if (options.expectOneEnrichmentPerCreate) {
    const created = model.outcomes.filter(
      (o) => o.status === "succeeded" && o.summary.startsWith("created"),
    ).length;
    const personCalls = stack.workers
      .flatMap((w) => w.output().split("\n"))
      .filter(
        (line) =>
          (line.includes("enrichment provider called") || line.includes("enrichment answered from cache")) &&
          line.includes('"person":true'),
      ).length;
    enrichmentMismatch = Math.abs(personCalls - created);
    if (enrichmentMismatch)
      details.push(`${personCalls} person enrichment calls for ${created} created contacts`);
  }

  return {
    duplicates,
    orderViolations: streamViolations + outcomeDiffs.length + contactDiffs + accountDiffs,
    lost,
    stuck,
    unexpectedFailures,
    enrichmentMismatch,
    details,
  };
}

function countDifferences(actual: unknown[], expected: unknown[], what: string, details: string[]): number {
  let differences = Math.abs(actual.length - expected.length);
  if (differences) details.push(`${actual.length} ${what}s in the database, ${expected.length} in the model`);
  for (let i = 0; i < Math.min(actual.length, expected.length); i += 1) {
    if (!isDeepStrictEqual(actual[i], expected[i])) {
      differences += 1;
      if (details.length < 10)
        details.push(`${what} ${i}: got ${JSON.stringify(actual[i])}, model ${JSON.stringify(expected[i])}`);
    }
  }
  return differences;
}

export interface SentBatch {
  batchId: string;
  stream: number;
  accepted: number;
  /** Indexes of the items built invalid on purpose, and those the API rejected. */
  invalidIndexes: number[];
  rejectedIndexes: number[];
}

/**
 * `streams` clients each send `batches` batches of `size` items, one batch after another, through
 * `POST /v1/contacts/batch`. Items come from the small pool (so the same people recur across
 * batches and streams), and each batch also carries, on purpose, an earlier item's email again
 * (the same person twice in one batch), an item crossing one item's email with another's
 * LinkedIn, and one invalid item (no identifier). Each item is a SentRequest of its stream, its
 * index counting across the stream's batches, so stream order is item order.
 */
export async function sendBatchStreams(
  stack: Stack,
  options: { streams: number; batches: number; size: number; seed: number; pool: IdentityPool },
): Promise<{ sent: SentRequest[]; batches: SentBatch[] }> {
  const sent: SentRequest[] = [];
  const batches: SentBatch[] = [];
  await Promise.all(
    Array.from({ length: options.streams }, async (_, stream) => {
      const random = createRandom(options.seed * 1_000 + stream);
      for (let b = 0; b < options.batches; b += 1) {
        const items = buildBatchItems(random, options.size, options.pool);
        const invalidIndexes = items.flatMap((item, i) =>
          "email" in item || "linkedin_url" in item ? [] : [i],
        );
        const res = await stack.call<{
          data?: { batch_id: string; accepted: number; rejected: { index: number }[] };
        }>("POST", "/v1/contacts/batch", { items });
        const answer = res.body.data;
        if (res.status !== 202 || !answer) {
          items.forEach((_, i) => {
            sent.push({ stream, index: b * options.size + i, status: res.status, jobId: "" });
          });
          continue;
        }
        const rejectedIndexes = answer.rejected.map((r) => r.index).sort((x, y) => x - y);
        batches.push({
          batchId: answer.batch_id,
          stream,
          accepted: answer.accepted,
          invalidIndexes,
          rejectedIndexes,
        });
        const jobIds = await listBatchJobIds(stack, answer.batch_id);
        items.forEach((_, i) => {
          const jobId = jobIds.get(i);
          // An accepted item the batch does not list counts as accepted with an unknown job: lost.
          const status = rejectedIndexes.includes(i) ? 422 : 202;
          sent.push({
            stream,
            index: b * options.size + i,
            status,
            jobId: jobId ?? `missing:${answer.batch_id}:${i}`,
          });
        });
      }
    }),
  );
  return { sent, batches };
}

function buildBatchItems(random: () => number, size: number, pool: IdentityPool): Record<string, unknown>[] {
  const items = Array.from({ length: size - 3 }, () => randomUpsert(random, pool));
  const withEmail = items.filter((item) => typeof item.email === "string");
  const withLinkedin = items.filter((item) => typeof item.linkedin_url === "string");
  const pick = <T>(values: T[]): T | undefined => values[Math.floor(random() * values.length)];
  const insert = (item: Record<string, unknown>) =>
    items.splice(Math.floor(random() * (items.length + 1)), 0, item);
  const again = pick(withEmail);
  insert({ ...randomUpsert(random, pool), email: again?.email ?? pool.emails[0] });
  const crossing = {
    email: pick(withEmail)?.email ?? pool.emails[1],
    linkedin_url: pick(withLinkedin)?.linkedin_url ?? pool.linkedins[0],
  };
  insert({ ...crossing, title: "Crossing" });
  insert({ title: "No identifier" });
  return items;
}

/** index → job id of every item the batch accepted, from `GET /v1/batches/{id}/items`. */
async function listBatchJobIds(stack: Stack, batchId: string): Promise<Map<number, string>> {
  const jobIds = new Map<number, string>();
  for (let page = 1; ; page += 1) {
    const res = await stack.call<{
      data: { index: number; job_id: string }[];
      pagination: { total_pages: number };
    }>("GET", `/v1/batches/${batchId}/items?page=${page}&page_size=100`);
    for (const item of res.body.data) jobIds.set(item.index, item.job_id);
    if (res.body.data.length === 0 || page >= res.body.pagination.total_pages) return jobIds;
  }
}

/** After the drain, what each batch says of itself: finished, its counts adding up to what it accepted. */
export async function checkBatchViews(stack: Stack, batches: SentBatch[]): Promise<string[]> {
  const problems: string[] = [];
  for (const batch of batches) {
    const { body } = await stack.call<{
      data: { status: string; counts: Record<string, number> };
    }>("GET", `/v1/batches/${batch.batchId}`);
    const { status, counts } = body.data;
    const finished = (counts.succeeded ?? 0) + (counts.failed ?? 0);
    if (!["succeeded", "partially_failed", "failed"].includes(status) || finished !== batch.accepted)
      problems.push(
        `batch ${batch.batchId}: ${status}, ${JSON.stringify(counts)} for ${batch.accepted} accepted`,
      );
    if (batch.rejectedIndexes.join() !== batch.invalidIndexes.join())
      problems.push(
        `batch ${batch.batchId}: rejected [${batch.rejectedIndexes}], invalid [${batch.invalidIndexes}]`,
      );
  }
  return problems;
}
