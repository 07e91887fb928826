import { type Db, toAccountRecord, toContactRecord } from "@upsert/db";
import {
  type AccountRecord,
  applyUpsertsSerially,
  type ContactRecord,
  type EnrichmentAnswer,
  type FieldProvenance,
  type InitialOrgState,
  type UpsertContactPayload,
} from "@upsert/domain";
import { deriveCompanyEnrichment, derivePersonEnrichment } from "@upsert/enrichment";

/** The built-in provider's answers, as the model needs them (it is deterministic by design). */
export function builtinEnrichment(contact: ContactRecord, account: AccountRecord | null): EnrichmentAnswer {
  return {
    ok: true,
    provider: "builtin",
    contact: derivePersonEnrichment({
      email: contact.email,
      linkedinUrl: contact.linkedinUrl,
      firstName: contact.firstName,
      lastName: contact.lastName,
      domain: account?.domain ?? null,
    }),
    company: account?.domain ? deriveCompanyEnrichment(account.domain) : null,
  };
}

/**
 * A state comparable across the database and the model: ids replaced by what identifies a record
 * whatever id it got (a contact by the sequence of the request that created it, an account by its
 * domain). Account provenance keeps only sources: which of several racing requests created a
 * domain's account is not ordered (domains do not order requests) and changes nothing else.
 */
export interface ComparableState {
  contacts: Record<string, unknown>[];
  accounts: Record<string, unknown>[];
}

export function toComparableState(contacts: ContactRecord[], accounts: AccountRecord[]): ComparableState {
  const domainOf = new Map(accounts.map((a) => [a.id, a.domain]));
  return {
    contacts: contacts
      .map(({ id: _id, accountId, ...rest }) => ({
        ...rest,
        account: accountId === null ? null : (domainOf.get(accountId) ?? `unknown:${accountId}`),
      }))
      .sort((a, b) => (a.createdSeq ?? 0) - (b.createdSeq ?? 0)),
    accounts: accounts
      .map(({ id: _id, fieldProvenance, ...rest }) => ({ ...rest, provenance: sourcesOf(fieldProvenance) }))
      .sort((a, b) => String(a.domain).localeCompare(String(b.domain))),
  };
}

function sourcesOf(provenance: FieldProvenance): Record<string, string> {
  return Object.fromEntries(Object.entries(provenance).map(([field, entry]) => [field, entry.source]));
}

export async function loadComparableState(db: Db, orgId: string): Promise<ComparableState> {
  const [contacts, accounts] = await Promise.all([
    db.prisma.contact.findMany({ where: { orgId }, include: { tags: { select: { tagId: true } } } }),
    db.prisma.account.findMany({ where: { orgId } }),
  ]);
  return toComparableState(contacts.map(toContactRecord), accounts.map(toAccountRecord));
}

export interface RecordedOutcome {
  seq: number;
  status: string;
  summary: string;
}

/** Per accepted request, what a caller polling the job sees, in the model's terms. */
export async function loadOutcomes(db: Db, orgId: string): Promise<RecordedOutcome[]> {
  const rows = await db.prisma.intakeRequest.findMany({ where: { orgId }, orderBy: { seq: "asc" } });
  const contacts = await db.prisma.contact.findMany({
    where: { orgId },
    select: { id: true, createdSeq: true },
  });
  const createdSeqOf = new Map(contacts.map((c) => [c.id, Number(c.createdSeq)]));
  return rows.map((row) => {
    const result = (row.result ?? {}) as Record<string, unknown>;
    const error = (row.error ?? {}) as { code?: string };
    return {
      seq: Number(row.seq),
      status: row.status,
      summary:
        row.status === "succeeded"
          ? `${result.action} ${result.matched_by} ${result.account_resolution} contact@${createdSeqOf.get(String(result.contact_id))}`
          : `${error.code}`,
    };
  });
}

/** The model: the domain core applied serially, in acceptance order, to the recorded requests. */
export async function runModel(db: Db, orgId: string, initial: InitialOrgState = {}) {
  const rows = await db.prisma.intakeRequest.findMany({ where: { orgId }, orderBy: { seq: "asc" } });
  const requests = rows.map((row) => ({
    seq: Number(row.seq),
    payload: row.payload as UpsertContactPayload,
  }));
  const model = applyUpsertsSerially(requests, {
    orgState: initial,
    ids: (seq, kind) => `${kind}-${seq}`,
    enrich: builtinEnrichment,
  });
  const createdSeqOf = new Map(model.contacts.map((c) => [c.id, c.createdSeq]));
  const outcomes: RecordedOutcome[] = model.outcomes.map((outcome) => ({
    seq: outcome.seq,
    status: outcome.status,
    summary:
      outcome.status === "succeeded"
        ? `${outcome.result.action} ${outcome.result.matched_by} ${outcome.result.account_resolution} contact@${createdSeqOf.get(outcome.result.contact_id)}`
        : `${outcome.error.code}`,
  }));
  return { state: toComparableState(model.contacts, model.accounts), outcomes };
}
