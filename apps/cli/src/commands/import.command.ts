import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import {
  createApiKey,
  findActiveApiKeyByHash,
  findOrganization,
  type Prisma,
  revokeApiKey,
} from "@upsert/db";
import { SingleBar } from "cli-progress";
import { CliError, parseUuidArgument } from "../cli.errors";
import type { CliOutput } from "../cli.output";
import { createBatchApi } from "../import/batch-api";
import { type ImportProgress, type ImportSummary, importContacts } from "../import/import-contacts";

export interface ImportArgs {
  org: string;
  file: string;
  apiUrl: string;
  apiKey?: string;
  failedOut?: string;
  batchSize: string;
  inFlight: string;
  json: boolean;
}

export interface ImportDeps {
  output: CliOutput;
  /** Where the progress bar is drawn; none when stderr is not a terminal. */
  progressStream?: NodeJS.WriteStream;
}

/** The largest batch the API takes by default (BATCH_MAX_ITEMS). */
export const defaultBatchSize = 1_000;

function parseCount(value: string, label: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new CliError(`${label} must be an integer from 1 to ${max}, got "${value}"`);
  return n;
}

/**
 * `import --org <id> <file>`: sends the CSV's rows through `POST /v1/contacts/batch`, waits for
 * every batch to finish, prints created / updated / failed and writes the failed rows to a file.
 * Without --api-key it issues a key for the organisation for this run and revokes it at the end.
 * Resolves to the exit code: 0 when every row was written, 2 when some failed.
 */
export async function runImportCommand(prisma: Prisma, args: ImportArgs, deps: ImportDeps): Promise<number> {
  const orgId = parseUuidArgument(args.org, "--org");
  const batchSize = parseCount(args.batchSize, "--batch-size", 100_000);
  const inFlight = parseCount(args.inFlight, "--in-flight", 64);
  let apiUrl: URL;
  try {
    apiUrl = new URL(args.apiUrl);
  } catch {
    throw new CliError(`--api-url must be a URL like http://127.0.0.1:3000, got "${args.apiUrl}"`);
  }
  let size: number;
  try {
    size = statSync(args.file).size;
  } catch {
    throw new CliError(`${args.file} does not exist or cannot be read`);
  }
  if ((await findOrganization(prisma, orgId)) === null)
    throw new CliError(`organization ${orgId} does not exist`);

  let apiKey = args.apiKey;
  let temporaryKeyId: string | null = null;
  if (apiKey === undefined) {
    const key = await createApiKey(prisma, { orgId, name: `cli import ${new Date().toISOString()}` });
    apiKey = key.secret;
    temporaryKeyId = key.id;
  } else {
    const hash = createHash("sha256").update(apiKey).digest("hex");
    const key = await findActiveApiKeyByHash(prisma, hash);
    if (key?.orgId !== orgId) throw new CliError(`--api-key is not an active key of organization ${orgId}`);
  }

  let rateLimitedWaits = 0;
  const api = createBatchApi({
    apiUrl: apiUrl.toString(),
    apiKey,
    onRateLimited: () => {
      rateLimitedWaits += 1;
    },
  });
  const bar = deps.progressStream
    ? new SingleBar({
        stream: deps.progressStream,
        format:
          "importing [{bar}] {percentage}% | {rows} rows | {created} created, {updated} updated, {failed} failed",
        hideCursor: true,
      })
    : null;
  bar?.start(size, 0, { rows: 0, created: 0, updated: 0, failed: 0 });
  let summary: ImportSummary;
  try {
    summary = await importContacts(
      api,
      { file: args.file, failedOut: args.failedOut ?? `${args.file}.failed.csv`, batchSize, inFlight },
      (progress: ImportProgress) => bar?.update(progress.bytesRead, { ...progress }),
    );
    bar?.update(size);
  } finally {
    bar?.stop();
    if (temporaryKeyId !== null) await revokeApiKey(prisma, temporaryKeyId);
  }

  if (args.json) {
    deps.output.out(
      JSON.stringify({
        rows: summary.rows,
        created: summary.created,
        updated: summary.updated,
        unchanged: summary.unchanged,
        failed: summary.failed,
        rejected: summary.rejected,
        jobs_failed: summary.jobsFailed,
        batches: summary.batches,
        rate_limited_waits: rateLimitedWaits,
        failed_out: summary.failedOut,
      }),
    );
  } else {
    deps.output.out(
      [
        `Imported ${args.file}: ${summary.rows} rows in ${summary.batches} batch(es).`,
        `  created: ${summary.created}`,
        `  updated: ${summary.updated}`,
        ...(summary.unchanged > 0 ? [`  unchanged: ${summary.unchanged}`] : []),
        `  failed:  ${summary.failed} (${summary.rejected} refused before a job ran, ${summary.jobsFailed} jobs failed)`,
        ...(rateLimitedWaits > 0
          ? [`  waited ${rateLimitedWaits} time(s) for the rate limit (429 Retry-After)`]
          : []),
        summary.failedOut ? `Failed rows and their errors: ${summary.failedOut}` : "No row failed.",
      ].join("\n"),
    );
  }
  return summary.failed > 0 ? 2 : 0;
}
