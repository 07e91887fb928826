// Migration 20261201020000: recompute what was stored under the old email rule (trim and
// lower-case only) with the new normaliseEmail, which maps the domain like a `domain` field. In
// TypeScript because the stored forms must equal what the API computes, and the API's IDNA
// mapping and punycode (node:url, UTS #46) have no Postgres equivalent: a plpgsql copy could
// drift. Contacts that would now share a form are reported in contact_email_conflicts, never
// merged: which of two records is the person is an operator's decision.
import { createHash } from "node:crypto";
import {
  identityKeysOf,
  normaliseEmail,
  payloadHash,
  toCanonicalJson,
  type UpsertContactPayload,
} from "@upsert/domain";
import type { ClientBase } from "pg";
import type { DataMigration, DataMigrationReport } from "./data-migrations";

const batchSize = 1000;
/** Warnings list at most this many conflicts; the table has them all. */
const maxListedConflicts = 20;
// Persisted identifiers as packages/queue defines them (this package does not depend on it).
const upsertContactOperation = "contact.upsert";

/** A contact whose stored email_normalized differs from what normaliseEmail now gives. */
export interface ChangedContactEmail {
  id: string;
  orgId: string;
  createdAt: Date;
  /** null when normaliseEmail rejects the stored email. */
  next: string | null;
}

/** A contact that has a form some changed contact wants, and is not itself moving. */
export interface EmailHolder {
  id: string;
  orgId: string;
  emailNormalized: string;
}

export interface EmailConflict {
  contactId: string;
  orgId: string;
  reason: "collision" | "not_normalisable";
  emailNormalized: string | null;
  keptContactId: string | null;
}

export interface EmailRenormalisationPlan {
  updates: { id: string; emailNormalized: string }[];
  conflicts: EmailConflict[];
}

/**
 * Who gets the new form. Per org and new form: a contact that already has it keeps it; otherwise
 * the oldest of the contacts wanting it (created_at, then id) gets it. The others keep their
 * stored form, so the unique index (org_id, email_normalized) holds, and are reported.
 */
export function planEmailRenormalisation(
  changed: readonly ChangedContactEmail[],
  holders: readonly EmailHolder[],
): EmailRenormalisationPlan {
  const plan: EmailRenormalisationPlan = { updates: [], conflicts: [] };
  const groups = new Map<string, { next: string; members: ChangedContactEmail[] }>();
  for (const contact of changed) {
    if (contact.next === null) {
      plan.conflicts.push({
        contactId: contact.id,
        orgId: contact.orgId,
        reason: "not_normalisable",
        emailNormalized: null,
        keptContactId: null,
      });
      continue;
    }
    const key = `${contact.orgId} ${contact.next}`;
    const group = groups.get(key) ?? { next: contact.next, members: [] };
    group.members.push(contact);
    groups.set(key, group);
  }
  const holderByKey = new Map(holders.map((holder) => [`${holder.orgId} ${holder.emailNormalized}`, holder]));
  for (const [key, { next, members }] of groups) {
    const ordered = [...members].sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    const holder = holderByKey.get(key);
    const [oldest, ...younger] = ordered;
    const keeper = holder === undefined ? oldest : undefined;
    if (keeper !== undefined) plan.updates.push({ id: keeper.id, emailNormalized: next });
    const keptContactId = holder?.id ?? keeper?.id ?? null;
    for (const loser of keeper === undefined ? ordered : younger) {
      plan.conflicts.push({
        contactId: loser.id,
        orgId: loser.orgId,
        reason: "collision",
        emailNormalized: next,
        keptContactId,
      });
    }
  }
  return plan;
}

export const renormaliseContactEmails: DataMigration = {
  name: "20261201020000_email_domain_normalisation",
  async run(client: ClientBase): Promise<DataMigrationReport> {
    const contacts = await renormaliseContacts(client);
    const identityKeys = await recomputeIdentityKeys(client);
    const hashes = await recomputePayloadHashes(client);
    const counts = {
      contactsRenormalised: contacts.updates.length,
      contactCollisions: contacts.conflicts.filter((conflict) => conflict.reason === "collision").length,
      contactsNotNormalisable: contacts.conflicts.filter((conflict) => conflict.reason === "not_normalisable")
        .length,
      requestIdentityKeysUpdated: identityKeys,
      payloadHashesUpdated: hashes.updated,
      payloadHashesUnverified: hashes.unverified,
    };
    return {
      summary: `Re-normalised ${counts.contactsRenormalised} contact email(s), the identity keys of ${identityKeys} unfinished request(s) and ${hashes.updated} idempotency hash(es); ${contacts.conflicts.length} contact(s) kept their old form (see contact_email_conflicts).`,
      warnings: [...describeConflicts(contacts.conflicts), ...describeUnverifiedHashes(hashes.unverified)],
      counts,
    };
  },
};

async function renormaliseContacts(client: ClientBase): Promise<EmailRenormalisationPlan> {
  const changed: ChangedContactEmail[] = [];
  let afterId = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const { rows } = await client.query<{
      id: string;
      org_id: string;
      email: string;
      email_normalized: string | null;
      created_at: Date;
    }>(
      `SELECT id, org_id, email, email_normalized, created_at FROM contacts
        WHERE email IS NOT NULL AND id > $1 ORDER BY id LIMIT $2`,
      [afterId, batchSize],
    );
    for (const row of rows) {
      const next = normaliseEmail(row.email);
      if (next !== row.email_normalized) {
        changed.push({ id: row.id, orgId: row.org_id, createdAt: row.created_at, next });
      }
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < batchSize) break;
    afterId = last.id;
  }
  if (changed.length === 0) return { updates: [], conflicts: [] };

  const wanted = changed.filter((contact) => contact.next !== null);
  const { rows: holders } = await client.query<EmailHolder>(
    `SELECT c.id, c.org_id AS "orgId", c.email_normalized AS "emailNormalized"
       FROM contacts c
       JOIN unnest($1::uuid[], $2::text[]) AS wanted(org_id, email_normalized)
         ON c.org_id = wanted.org_id AND c.email_normalized = wanted.email_normalized
      WHERE c.id <> ALL($3::uuid[])`,
    [wanted.map((contact) => contact.orgId), wanted.map((contact) => contact.next), wanted.map((c) => c.id)],
  );
  const plan = planEmailRenormalisation(changed, holders);

  const ids = plan.updates.map((update) => update.id);
  // Cleared first, so no update can trip the unique index on a form another moving contact is
  // just leaving, whatever order Postgres updates the rows in.
  await client.query(`UPDATE contacts SET email_normalized = NULL WHERE id = ANY($1::uuid[])`, [ids]);
  await client.query(
    `UPDATE contacts AS c SET email_normalized = u.email_normalized
       FROM unnest($1::uuid[], $2::text[]) AS u(id, email_normalized) WHERE c.id = u.id`,
    [ids, plan.updates.map((update) => update.emailNormalized)],
  );
  await client.query(
    `INSERT INTO contact_email_conflicts (contact_id, org_id, reason, email_normalized, kept_contact_id)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[])`,
    [
      plan.conflicts.map((conflict) => conflict.contactId),
      plan.conflicts.map((conflict) => conflict.orgId),
      plan.conflicts.map((conflict) => conflict.reason),
      plan.conflicts.map((conflict) => conflict.emailNormalized),
      plan.conflicts.map((conflict) => conflict.keptContactId),
    ],
  );
  return plan;
}

/**
 * The ordering rule compares the identity keys of unfinished requests only, so finished rows keep
 * theirs (history, never read again for ordering).
 */
async function recomputeIdentityKeys(client: ClientBase): Promise<number> {
  let updated = 0;
  let afterSeq = "0";
  for (;;) {
    const { rows } = await client.query<{
      id: string;
      seq: string;
      payload: unknown;
      identity_keys: string[];
    }>(
      `SELECT id, seq::text AS seq, payload, identity_keys FROM intake_requests
        WHERE operation = $1 AND status IN ('queued', 'running') AND seq > $2::bigint
        ORDER BY seq LIMIT $3`,
      [upsertContactOperation, afterSeq, batchSize],
    );
    const changed = rows
      .map((row) => ({
        id: row.id,
        keys: identityKeysOf(row.payload as UpsertContactPayload),
        stored: row.identity_keys,
      }))
      .filter((row) => row.keys.join("\n") !== (row.stored ?? []).join("\n"));
    if (changed.length > 0) {
      await client.query(
        `UPDATE intake_requests AS r SET identity_keys = ARRAY(SELECT jsonb_array_elements_text(u.keys))
           FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, keys jsonb) WHERE r.id = u.id`,
        [JSON.stringify(changed.map(({ id, keys }) => ({ id, keys })))],
      );
      updated += changed.length;
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < batchSize) return updated;
    afterSeq = last.seq;
  }
}

/**
 * payload_hash is only ever compared between requests with the same idempotency key, so only rows
 * that have one are rehashed, finished or not (a replay of a finished request must still be
 * recognised). A row is rehashed only when its stored hash is the old rule's hash of its payload,
 * so a row this cannot account for is left alone and counted.
 */
async function recomputePayloadHashes(client: ClientBase): Promise<{ updated: number; unverified: number }> {
  let updated = 0;
  let unverified = 0;
  let afterSeq = "0";
  for (;;) {
    const { rows } = await client.query<{
      id: string;
      seq: string;
      payload: UpsertContactPayload;
      payload_hash: string;
    }>(
      `SELECT id, seq::text AS seq, payload, payload_hash FROM intake_requests
        WHERE idempotency_key IS NOT NULL AND jsonb_typeof(payload -> 'email') = 'string' AND seq > $1::bigint
        ORDER BY seq LIMIT $2`,
      [afterSeq, batchSize],
    );
    const changed: { id: string; hash: string }[] = [];
    for (const row of rows) {
      const hash = payloadHash(row.payload);
      if (hash === row.payload_hash) continue;
      if (oldPayloadHash(row.payload) === row.payload_hash) changed.push({ id: row.id, hash });
      else unverified += 1;
    }
    if (changed.length > 0) {
      await client.query(
        `UPDATE intake_requests AS r SET payload_hash = u.hash
           FROM unnest($1::uuid[], $2::text[]) AS u(id, hash) WHERE r.id = u.id`,
        [changed.map((row) => row.id), changed.map((row) => row.hash)],
      );
      updated += changed.length;
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < batchSize) return { updated, unverified };
    afterSeq = last.seq;
  }
}

/** payloadHash before this migration: the canonical JSON of the payload, email as written. */
function oldPayloadHash(payload: UpsertContactPayload): string {
  return createHash("sha256").update(toCanonicalJson(payload), "utf8").digest("hex");
}

function describeConflicts(conflicts: readonly EmailConflict[]): string[] {
  const lines = conflicts
    .slice(0, maxListedConflicts)
    .map((conflict) =>
      conflict.reason === "collision"
        ? `contact ${conflict.contactId} (org ${conflict.orgId}) kept its old email_normalized: contact ${conflict.keptContactId} has the same mailbox.`
        : `contact ${conflict.contactId} (org ${conflict.orgId}) kept its old email_normalized: its email is not a valid address.`,
    );
  if (conflicts.length > maxListedConflicts) {
    lines.push(`… and ${conflicts.length - maxListedConflicts} more: SELECT * FROM contact_email_conflicts.`);
  }
  return lines;
}

function describeUnverifiedHashes(count: number): string[] {
  return count === 0
    ? []
    : [
        `${count} request(s) with an idempotency key kept a payload_hash that does not match their payload: a retry with the same key and body is answered 422 idempotency_key_reused until the key's window has passed.`,
      ];
}
