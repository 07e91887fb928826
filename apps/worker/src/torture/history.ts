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
