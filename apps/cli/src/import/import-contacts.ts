import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { CsvError, parse } from "csv-parse";
import { stringify } from "csv-stringify/sync";
import { CliError } from "../cli.errors";
import type { ApiError, BatchApi, BatchView } from "./batch-api";
import { findHeaderProblem, toContactBody } from "./csv-contact-row";

export interface ImportOptions {
  file: string;
  failedOut: string;
  /** Items per batch (at most the API's BATCH_MAX_ITEMS). */
  batchSize: number;
  /** Batches accepted and not yet finished at any time. */
  inFlight: number;
}

export interface ImportProgress {
  /** Bytes of the file read so far, and its size. */
  bytesRead: number;
  rows: number;
  created: number;
  updated: number;
  failed: number;
}

export interface ImportSummary {
  rows: number;
  created: number;
  updated: number;
  /** Succeeded without being counted as created or updated (an upsert that changed nothing, if the API says so). */
  unchanged: number;
  /** Rows refused before a job ran (bad CSV row or a validation error) plus rows whose job failed. */
  failed: number;
  rejected: number;
  jobsFailed: number;
  batches: number;
  /** The failed rows' file, or null when no row failed (then none is written). */
  failedOut: string | null;
}

/** Body bytes a batch may reach before it is sent, under the API's 6 MB limit with room for the envelope. */
const maxBatchBytes = 5_000_000;

interface PendingRow {
  row: number;
  cells: string[];
}

interface Chunk {
  rows: PendingRow[];
  bodies: Record<string, unknown>[];
  bytes: number;
}

interface RowFailure {
  row: number;
  cells: string[];
  error: ApiError;
}

/**
 * Streams the CSV through `POST /v1/contacts/batch`: chunks are sent one after another (so the
 * service accepts rows in file order and a later row about the same person wins), while up to
 * `inFlight` accepted batches are waited on at once. Returns when every batch has finished.
 */
export async function importContacts(
  api: BatchApi,
  options: ImportOptions,
  onProgress: (progress: ImportProgress) => void,
): Promise<ImportSummary> {
  const customFieldTypes = await api.customFieldTypes();
  const runId = randomUUID();
  const parser = createReadStream(options.file).pipe(
    // Blank lines are kept (and skipped below) so that row numbers stay a spreadsheet's.
    parse({ bom: true, relax_column_count: true, info: true }),
  );
  const totals = {
    rows: 0,
    succeeded: 0,
    created: 0,
    updated: 0,
    invalid: 0,
    rejected: 0,
    jobsFailed: 0,
    batches: 0,
  };
  const live = new Map<number, BatchView["counts"]>();
  let bytesRead = 0;
  const report = () => {
    let created = totals.created;
    let updated = totals.updated;
    let failed = totals.invalid + totals.rejected + totals.jobsFailed;
    for (const counts of live.values()) {
      created += counts.created;
      updated += counts.updated;
      failed += counts.failed;
    }
    onProgress({ bytesRead, rows: totals.rows, created, updated, failed });
  };

  const failures = createFailureWriter(options.failedOut);
  const waiting = new Set<Promise<void>>();
  // Failures are written in chunk order, whatever order the batches finish in.
  let writes: Promise<void> = Promise.resolve();

  const send = async (chunk: Chunk, rowFailures: RowFailure[]) => {
    while (waiting.size >= options.inFlight) await Promise.race(waiting);
    const number = totals.batches;
    totals.batches += 1;
    const answer =
      chunk.bodies.length === 0
        ? { batch_id: "", accepted: 0, rejected: [] }
        : await api.submit(chunk.bodies, `cli-import:${runId}:${number}`);
    const rejectedIndexes = new Set<number>();
    for (const { index, error } of answer.rejected) {
      const pending = chunk.rows[index];
      if (!pending) continue;
      rejectedIndexes.add(index);
      rowFailures.push({ row: pending.row, cells: pending.cells, error });
    }
    totals.rejected += rejectedIndexes.size;
    const finished = (async () => {
      if (answer.accepted === 0) return rowFailures;
      const batch = await api.waitFinished(answer.batch_id, (view) => {
        live.set(number, view.counts);
        report();
      });
      live.delete(number);
      totals.succeeded += batch.counts.succeeded;
      totals.created += batch.counts.created;
      totals.updated += batch.counts.updated;
      totals.jobsFailed += batch.counts.failed;
      if (batch.counts.failed > 0) {
        for (const item of await api.failedItems(answer.batch_id)) {
          const pending = chunk.rows[item.index];
          if (!pending) continue;
          const error = item.error ?? { code: "job_failed", message: "The job failed." };
          rowFailures.push({ row: pending.row, cells: pending.cells, error });
        }
      }
      report();
      return rowFailures;
    })();
    writes = Promise.all([writes, finished]).then(([, done]) =>
      failures.write(done.sort((a, b) => a.row - b.row)),
    );
    // A failure surfaces where the import awaits (the next send or the end), never unhandled.
    writes.catch(() => undefined);
    const slot = writes.then(() => undefined);
    waiting.add(slot);
    slot.finally(() => waiting.delete(slot)).catch(() => undefined);
  };

  let headers: string[] | null = null;
  let chunk: Chunk = { rows: [], bodies: [], bytes: 0 };
  let chunkFailures: RowFailure[] = [];
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { bytes: number; records: number };
    }>) {
      bytesRead = info.bytes;
      if (headers === null) {
        headers = record.map((header) => header.trim());
        const problem = findHeaderProblem(headers);
        if (problem) throw new CliError(`${options.file}: ${problem}`);
        failures.setHeaders(headers);
        continue;
      }
      // The header is row 1, as a spreadsheet numbers them.
      const row = info.records;
      if (record.length === 1 && record[0]?.trim() === "" && headers.length > 1) continue;
      totals.rows += 1;
      if (record.length !== headers.length) {
        totals.invalid += 1;
        chunkFailures.push({
          row,
          cells: record,
          error: {
            code: "invalid_csv_row",
            message: `The row has ${record.length} fields; the header has ${headers.length}.`,
          },
        });
        continue;
      }
      const body = toContactBody(headers, record, customFieldTypes);
      const bytes = JSON.stringify(body).length + 1;
      if (chunk.bodies.length >= options.batchSize || chunk.bytes + bytes > maxBatchBytes) {
        await send(chunk, chunkFailures);
        chunk = { rows: [], bodies: [], bytes: 0 };
        chunkFailures = [];
      }
      chunk.rows.push({ row, cells: record });
      chunk.bodies.push(body);
      chunk.bytes += bytes;
    }
    if (headers === null) throw new CliError(`${options.file}: the file is empty`);
    if (chunk.bodies.length > 0 || chunkFailures.length > 0) await send(chunk, chunkFailures);
    await writes;
  } catch (err) {
    if (err instanceof CsvError) throw new CliError(`${options.file}: ${err.message}`);
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new CliError(`${options.file} does not exist`);
    throw err;
  } finally {
    parser.destroy();
    await failures.close();
  }
  report();
  return {
    rows: totals.rows,
    created: totals.created,
    updated: totals.updated,
    unchanged: Math.max(0, totals.succeeded - totals.created - totals.updated),
    failed: totals.invalid + totals.rejected + totals.jobsFailed,
    rejected: totals.invalid + totals.rejected,
    jobsFailed: totals.jobsFailed,
    batches: totals.batches,
    failedOut: failures.written() > 0 ? options.failedOut : null,
  };
}

/** The failed rows' file: `row, error_code, error_message, error_details`, then the row as it was. Opened at the first failure. */
function createFailureWriter(path: string) {
  let headers: string[] = [];
  let stream: WriteStream | null = null;
  let written = 0;
  return {
    setHeaders(value: string[]) {
      headers = value;
    },
    async write(rows: RowFailure[]) {
      if (rows.length === 0) return;
      if (stream === null) {
        stream = createWriteStream(path);
        stream.write(stringify([["row", "error_code", "error_message", "error_details", ...headers]]));
      }
      for (const failure of rows) {
        const details = failure.error.details === undefined ? "" : JSON.stringify(failure.error.details);
        const line = stringify([
          [failure.row, failure.error.code, failure.error.message, details, ...failure.cells],
        ]);
        if (!stream.write(line)) await once(stream, "drain");
      }
      written += rows.length;
    },
    written: () => written,
    async close() {
      if (stream === null) return;
      const closing = once(stream, "close");
      stream.end();
      await closing;
    },
  };
}
