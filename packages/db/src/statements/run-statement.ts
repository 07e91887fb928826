import type pg from "pg";

/** A pool or a client checked out of it. */
export type Queryable = pg.Pool | pg.PoolClient;

/**
 * Runs a named (prepared) statement: Postgres parses and plans it once per connection, and every
 * later call only binds values. Every statement on the request path goes through here.
 */
export async function runStatement<Row extends pg.QueryResultRow>(
  db: Queryable,
  name: string,
  text: string,
  values: unknown[],
): Promise<Row[]> {
  const result = await db.query<Row>({ name, text, values });
  return result.rows;
}

/**
 * What every ordered write statement takes first (see begin_ordered_write): the request, the
 * attempt this run claimed (a run another claim superseded never writes), every identity key to
 * lock (sorted and unique, so two writers always lock in the same order and cannot deadlock), and
 * the test-only switches that turn the guarantees off.
 */
export interface OrderedWrite {
  requestId: string;
  orgId: string;
  seq: bigint;
  attempt: number;
  keys: readonly string[];
  lockKeys: boolean;
  checkOrder: boolean;
}

/** How an ordered write statement ended. */
export type OrderedWriteOutcome =
  | { kind: "written"; nextRequestIds: string[] }
  /** What the plan read changed before the locks were taken: read and plan again. */
  | { kind: "stale" }
  /** Written or failed before (another run of the job). */
  | { kind: "finished" }
  /** Another run claimed the request after this one: this run must stop. */
  | { kind: "superseded" }
  /** An earlier unwritten request shares a locked key: the request is queued again. */
  | { kind: "wait" };

export function orderedWriteValues(write: OrderedWrite): unknown[] {
  return [
    write.requestId,
    write.orgId,
    write.seq,
    write.attempt,
    [...new Set(write.keys)].sort(),
    write.lockKeys,
    write.checkOrder,
  ];
}

export function toOrderedWriteOutcome(
  row: { outcome: string; next: string[] } | undefined,
): OrderedWriteOutcome {
  switch (row?.outcome) {
    case "written":
      return { kind: "written", nextRequestIds: row.next };
    case "stale":
    case "finished":
    case "superseded":
    case "wait":
      return { kind: row.outcome };
    default:
      throw new Error(`unexpected ordered write outcome ${String(row?.outcome)}`);
  }
}
