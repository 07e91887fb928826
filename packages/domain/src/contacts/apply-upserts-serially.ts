import type { AccountRecord, ContactRecord, CustomFieldDefinition, TagRecord } from "./contact-record";
import {
  type CompanyEnrichmentValues,
  type ContactEnrichmentValues,
  markEnrichmentNotApplied,
  mergeAccountEnrichment,
  mergeContactEnrichment,
} from "./merge-enrichment";
import {
  type PlanError,
  planUpsert,
  selectSnapshotLookups,
  type UpsertPlan,
  type UpsertRequest,
  type UpsertResult,
  type UpsertSnapshot,
} from "./plan-upsert";

/** One org's state, as the model holds it. Maps are keyed by id and never mutated. */
export interface OrgState {
  contacts: ReadonlyMap<string, ContactRecord>;
  accounts: ReadonlyMap<string, AccountRecord>;
  tags: ReadonlyMap<string, TagRecord>;
  customFields: ReadonlyMap<string, CustomFieldDefinition>;
}

export interface InitialOrgState {
  contacts?: ContactRecord[];
  accounts?: AccountRecord[];
  tags?: TagRecord[];
  customFields?: CustomFieldDefinition[];
}

/** Per request, what the intake row ends up with. */
export type UpsertOutcome =
  | { seq: number; status: "succeeded"; result: UpsertResult }
  | { seq: number; status: "failed"; error: PlanError };

/** A provider's answer: values to merge, or a failure (which writes nothing). */
export type EnrichmentAnswer =
  | {
      ok: true;
      provider: string;
      contact: ContactEnrichmentValues | null;
      company: CompanyEnrichmentValues | null;
    }
  | { ok: false; provider: string };

/** What to enrich after the request with sequence `seq`: what it created. */
export interface EnrichmentTarget {
  seq: number;
  /** The contact, when the request created it (updates do not enrich the contact). */
  contactId: string | null;
  /** The account, when the request created it; an existing account is left alone. */
  createdAccountId: string | null;
}

export type IdKind = "contact" | "account";

export interface ApplyUpsertsOptions {
  orgState?: InitialOrgState;
  /** Deterministic id generator, e.g. `(seq, kind) => uuidFrom(kind, seq)`. */
  ids: (seq: number, kind: IdKind) => string;
  /**
   * The provider, called with the contact as created and its account. Absent: created contacts
   * stay `pending` (no enrichment simulated). Returning null: no provider ran (`skipped`).
   */
  enrich?: (contact: ContactRecord, account: AccountRecord | null) => EnrichmentAnswer | null;
}

export interface SerialResult {
  /** Sorted by id. */
  contacts: ContactRecord[];
  /** Sorted by id. */
  accounts: AccountRecord[];
  /** In the order the requests were applied (seq order). */
  outcomes: UpsertOutcome[];
  state: OrgState;
}

/**
 * THE MODEL: folds requests in seq order over an in-memory org, with exactly the `planUpsert`
 * the worker uses and the snapshot slice the worker loads. The real system must end in the same
 * state as this fold, whatever its concurrency.
 *
 * Enrichment is applied right after each create, whereas the real system applies it later,
 * after other requests may have written the same contact. The final state is the same because
 * enrichment and later requests touch each field independently and commute:
 *  - a later request always writes its fields (enrichment provenance never blocks a request), and
 *    once a request has written a field enrichment never fills it (it needs no request
 *    provenance and an empty value). So a field a later request wrote ends with that request's
 *    value and provenance in either order; a field no request wrote gets the enrichment value in
 *    either order (it stays empty and without request provenance until enrichment comes).
 *  - the provider is asked with the contact as created (the worker passes the plan's contact),
 *    so its answer does not depend on when it runs;
 *  - enrichment never fills identifiers, so it cannot change what later requests match, and
 *    only the create that made an account enriches it, so two creates never race for one account.
 * What does not commute is `filledFields` (what one enrichment run wrote), which is why records
 * carry per-field provenance and not a list of enriched fields.
 */
export function applyUpsertsSerially(requests: UpsertRequest[], options: ApplyUpsertsOptions): SerialResult {
  let state = createOrgState(options.orgState);
  const outcomes: UpsertOutcome[] = [];
  // Stable: requests sharing a seq (a redelivery) are applied in the order given.
  const ordered = requests.map((request, index) => ({ request, index }));
  ordered.sort((a, b) => a.request.seq - b.request.seq || a.index - b.index);

  for (const { request } of ordered) {
    const step = applyUpsertToState(state, request, options.ids);
    state = step.state;
    outcomes.push(step.outcome);
    const target = step.plan.kind === "write" ? enrichmentTargetOf(step.plan, request.seq) : null;
    if (step.plan.kind === "write" && target !== null && options.enrich !== undefined) {
      const account =
        step.plan.contact.accountId === null ? null : state.accounts.get(step.plan.contact.accountId);
      const answer = options.enrich(step.plan.contact, account ?? null);
      state = applyEnrichmentToState(state, target, answer);
    }
  }

  return {
    contacts: [...state.contacts.values()].sort(compareById),
    accounts: [...state.accounts.values()].sort(compareById),
    outcomes,
    state,
  };
}

export function createOrgState(initial: InitialOrgState = {}): OrgState {
  return {
    contacts: new Map((initial.contacts ?? []).map((contact) => [contact.id, contact])),
    accounts: new Map((initial.accounts ?? []).map((account) => [account.id, account])),
    tags: new Map((initial.tags ?? []).map((tag) => [tag.id, tag])),
    customFields: new Map((initial.customFields ?? []).map((field) => [field.id, field])),
  };
}

/**
 * The snapshot the worker would load for `request`: the contacts matched by its identifiers, then
 * only the accounts, domains, tags and custom fields `selectSnapshotLookups` names. Using the
 * slice here (not the whole state) keeps the model honest about what the worker can see.
 */
export function selectSnapshot(state: OrgState, request: UpsertRequest): UpsertSnapshot {
  const lookups = selectSnapshotLookups(request.payload);
  const { emailNormalized, linkedinUrl } = lookups;
  let contactByEmail: ContactRecord | null = null;
  let contactByLinkedin: ContactRecord | null = null;
  for (const contact of state.contacts.values()) {
    if (emailNormalized !== null && contact.emailNormalized === emailNormalized) contactByEmail = contact;
    if (linkedinUrl !== null && contact.linkedinUrl === linkedinUrl) contactByLinkedin = contact;
  }
  const domains = new Set(lookups.domains);
  const accountsByDomain = new Map<string, AccountRecord>();
  for (const account of state.accounts.values()) {
    if (account.domain !== null && domains.has(account.domain)) accountsByDomain.set(account.domain, account);
  }
  return {
    contactByEmail,
    contactByLinkedin,
    accountsById: pickByIds(state.accounts, lookups.accountIds),
    accountsByDomain,
    tagsById: pickByIds(state.tags, lookups.tagIds),
    customFieldsById: pickByIds(state.customFields, lookups.customFieldIds),
  };
}

/** One step of the fold: plan against the current state and apply the plan if it writes. */
export function applyUpsertToState(
  state: OrgState,
  request: UpsertRequest,
  ids: (seq: number, kind: IdKind) => string,
): { state: OrgState; plan: UpsertPlan; outcome: UpsertOutcome } {
  const plan = planUpsert(selectSnapshot(state, request), request, {
    newContactId: ids(request.seq, "contact"),
    newAccountId: ids(request.seq, "account"),
  });
  if (plan.kind === "failed") {
    return { state, plan, outcome: { seq: request.seq, status: "failed", error: plan.error } };
  }
  const contacts = new Map(state.contacts);
  contacts.set(plan.contact.id, plan.contact);
  let accounts = state.accounts;
  if (plan.account.action === "create") {
    const created = new Map(accounts);
    created.set(plan.account.record.id, plan.account.record);
    accounts = created;
  }
  return {
    state: { ...state, contacts, accounts },
    plan,
    outcome: { seq: request.seq, status: "succeeded", result: plan.result },
  };
}

/** What the request created and the provider must enrich; null when it created nothing. */
export function enrichmentTargetOf(
  plan: Extract<UpsertPlan, { kind: "write" }>,
  seq: number,
): EnrichmentTarget | null {
  const createdAccountId = plan.account.action === "create" ? plan.account.record.id : null;
  if (!plan.enrich && createdAccountId === null) return null;
  return { seq, contactId: plan.enrich ? plan.contact.id : null, createdAccountId };
}

/**
 * Merges a provider's answer into the CURRENT state of the target (which may have been updated
 * since the create): fill-only, so running it at any later point gives the same final state.
 */
export function applyEnrichmentToState(
  state: OrgState,
  target: EnrichmentTarget,
  answer: EnrichmentAnswer | null,
): OrgState {
  const contact = target.contactId === null ? undefined : state.contacts.get(target.contactId);
  const account = target.createdAccountId === null ? undefined : state.accounts.get(target.createdAccountId);
  const context = { provider: answer?.provider ?? "", seq: target.seq };

  let nextContact = contact;
  let nextAccount = account;
  if (answer === null || !answer.ok) {
    const status = answer === null ? "skipped" : "failed";
    const provider = answer?.provider ?? null;
    if (contact !== undefined) nextContact = markEnrichmentNotApplied(contact, status, provider);
    if (account !== undefined) nextAccount = markEnrichmentNotApplied(account, status, provider);
  } else {
    if (contact !== undefined)
      nextContact = mergeContactEnrichment(contact, answer.contact ?? {}, context).contact;
    if (account !== undefined)
      nextAccount = mergeAccountEnrichment(account, answer.company ?? {}, context).account;
  }

  const contacts = new Map(state.contacts);
  if (nextContact !== undefined) contacts.set(nextContact.id, nextContact);
  const accounts = new Map(state.accounts);
  if (nextAccount !== undefined) accounts.set(nextAccount.id, nextAccount);
  return { ...state, contacts, accounts };
}

function pickByIds<T>(source: ReadonlyMap<string, T>, ids: string[]): Map<string, T> {
  const picked = new Map<string, T>();
  for (const id of ids) {
    const value = source.get(id);
    if (value !== undefined) picked.set(id, value);
  }
  return picked;
}

function compareById(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
