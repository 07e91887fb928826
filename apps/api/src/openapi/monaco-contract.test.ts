import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createOpenApiDocument } from "./document";
import {
  errorEnvelopesOf,
  type OpenApiLike,
  operationsOf,
  parametersOf,
  requestFieldsOf,
  requiredParametersOf,
  responseDataFieldsOf,
  successEnvelopeOf,
  successStatusOf,
} from "./monaco-contract";

// Monaco's published description, the parts this service shares (docs/contract/README.md).
const monaco = JSON.parse(
  readFileSync(new URL("../../../../docs/contract/monaco-openapi.json", import.meta.url), "utf8"),
) as OpenApiLike;
const ours = createOpenApiDocument() as unknown as OpenApiLike;

const contactActivityFields = [
  "last_activity_at",
  "last_activity_type",
  "last_inbound_at",
  "last_inbound_type",
  "last_outbound_at",
  "last_outbound_type",
];

/**
 * Where we differ from Monaco on purpose, one entry per difference the comparison finds (a key
 * names the operation and what differs). The test fails on a difference missing here, and on an
 * entry here that no longer differs, so this list is always the truth.
 */
const deliberateDifferences: Record<string, string> = {
  ...fields(
    "GET /v1/contacts/{contact_id}",
    "response field -",
    ["scoring", "heat_score_explanation", "custom_field_explanations", ...contactActivityFields],
    "Scoring, AI explanations and activity tracking are Monaco's own features; this service stores none of them.",
  ),
  ...fields(
    "GET /v1/accounts/{account_id}",
    "response field -",
    ["scoring", "heat_score_explanation", "custom_field_explanations"],
    "Account scoring and AI explanations are Monaco's own features.",
  ),
  ...fields(
    "GET /v1/contacts/{contact_id}",
    "response field +",
    ["enrichment"],
    "Enrichment status, provider and enriched fields: how a caller sees what the asynchronous enrichment did.",
  ),
  ...fields("GET /v1/accounts/{account_id}", "response field +", ["enrichment"], "As for contacts."),
  // A list item, and the 200 of a write answered within `Prefer: wait`, are what the single GET
  // answers, so they differ from Monaco's the same way.
  ...likeTheGet(
    ["POST /v1/contacts/list", "PUT /v1/contacts", "POST /v1/contacts", "PATCH /v1/contacts/{contact_id}"],
    ["scoring", ...contactActivityFields],
    "contact",
  ),
  ...likeTheGet(
    ["POST /v1/accounts/list", "PUT /v1/accounts", "PATCH /v1/accounts/{account_id}"],
    ["scoring"],
    "account",
  ),
  ...Object.fromEntries(
    ["POST /v1/contacts", "PATCH /v1/contacts/{contact_id}", "PATCH /v1/accounts/{account_id}"].map(
      (operation) => [
        `${operation} request field +idempotency_key`,
        "As for PUT /v1/contacts: the key may be sent in the body.",
      ],
    ),
  ),
  "PATCH /v1/contacts/{contact_id} request field +account_id":
    "A contact's account can be set or cleared by id, as the upsert allows.",
  "PATCH /v1/contacts/{contact_id} request field -notes":
    "Contacts have no notes column here; `notes` is a 422.",
  "PATCH /v1/accounts/{account_id} request field +linkedin_url":
    "The account's LinkedIn URL, which the upsert and enrichment also set, can be corrected.",
  "PATCH /v1/accounts/{account_id} request field -owner": "As for PUT /v1/accounts: no users to assign.",
  "PATCH /v1/accounts/{account_id} request field -tags":
    "As for PUT /v1/accounts: account tags are not stored yet.",
  ...Object.fromEntries(
    ["DELETE /v1/contacts/{contact_id}", "DELETE /v1/accounts/{account_id}"].flatMap((operation) => [
      [
        `${operation} success status`,
        "Asynchronous intake: 202 with a job; with `Prefer: wait=N` a delete written in time answers 204, as Monaco's.",
      ],
      [`${operation} success envelope`, "The 202's job envelope (the 204 has no body, as Monaco's)."],
    ]),
  ),
  "GET /v1/tags response field +object":
    "Tags of every object type can be listed at once, so each says which it applies to.",
  "POST /v1/tags response field +object": "Every tag answer says which object type the tag applies to.",
  "GET /v1/tags/{tag_id} response field +object":
    "Every tag answer says which object type the tag applies to.",
  "PATCH /v1/tags/{tag_id} response field +object":
    "Every tag answer says which object type the tag applies to.",
  "GET /v1/schemas/{entity} response field -parent":
    "No field here is nested under another (no relation fields).",
  "PUT /v1/contacts request field +idempotency_key":
    "The idempotency key may also be sent in the body (the `Idempotency-Key` header is the same).",
  "PUT /v1/accounts request field +idempotency_key": "As for contacts: the key may be sent in the body.",
  "PUT /v1/accounts request field -owner":
    "This service has no users to assign; sending `owner` is a 422 that says so.",
  "PUT /v1/accounts request field -tags":
    "Account tags are not stored yet; sending `tags` is a 422 that says so.",
  "GET /v1/tags required parameters":
    "`object` is optional: without it every tag of the organisation is listed.",
};

/** Operations answering what the single GET of `record` answers differ from Monaco's as it does. */
function likeTheGet(operations: string[], monacoOnly: string[], record: string): Record<string, string> {
  const reason = `As for GET /v1/${record}s/{${record}_id}.`;
  return Object.fromEntries(
    operations.flatMap((operation) =>
      Object.entries({
        ...fields(operation, "response field -", monacoOnly, reason),
        ...fields(operation, "response field +", ["enrichment"], reason),
      }),
    ),
  );
}

function fields(operation: string, kind: string, names: string[], reason: string): Record<string, string> {
  return Object.fromEntries(names.map((name) => [`${operation} ${kind}${name}`, reason]));
}

interface Difference {
  key: string;
  detail: string;
}

function compareOperation(key: string): Difference[] {
  const mine = operationsOf(ours).get(key)?.operation;
  const theirs = operationsOf(monaco).get(key)?.operation;
  if (!mine || !theirs) throw new Error(`${key} is not in both documents`);
  const differences: Difference[] = [];
  const differ = (what: string, detail: string) => differences.push({ key: `${key} ${what}`, detail });

  const [ourParams, theirParams] = [parametersOf(ours, mine), parametersOf(monaco, theirs)];
  for (const name of new Set([...ourParams.keys(), ...theirParams.keys()])) {
    if (ourParams.get(name) !== theirParams.get(name)) {
      differ(`parameter ${name}`, `ours ${ourParams.get(name)}, Monaco ${theirParams.get(name)}`);
    }
  }
  if (requiredParametersOf(mine).join() !== requiredParametersOf(theirs).join()) {
    differ(
      "required parameters",
      `ours [${requiredParametersOf(mine)}], Monaco [${requiredParametersOf(theirs)}]`,
    );
  }

  const [ourFields, theirFields] = [requestFieldsOf(ours, mine), requestFieldsOf(monaco, theirs)];
  for (const [name, type] of ourFields) {
    if (!theirFields.has(name)) differ(`request field +${name}`, `only ours (${type})`);
    else if (theirFields.get(name) !== type) {
      differ(`request field ${name} type`, `ours ${type}, Monaco ${theirFields.get(name)}`);
    }
  }
  for (const name of theirFields.keys()) {
    if (!ourFields.has(name)) differ(`request field -${name}`, "only Monaco's");
  }

  if (successStatusOf(mine) !== successStatusOf(theirs)) {
    differ("success status", `ours ${successStatusOf(mine)}, Monaco ${successStatusOf(theirs)}`);
  }
  const [ourEnvelope, theirEnvelope] = [successEnvelopeOf(ours, mine), successEnvelopeOf(monaco, theirs)];
  const sameKind = ourEnvelope?.dataKind === theirEnvelope?.dataKind;
  if (
    ourEnvelope?.keys !== theirEnvelope?.keys ||
    ourEnvelope?.metaKeys !== theirEnvelope?.metaKeys ||
    !sameKind
  ) {
    differ(
      "success envelope",
      `ours ${JSON.stringify(ourEnvelope)}, Monaco ${JSON.stringify(theirEnvelope)}`,
    );
  }
  // The fields of `data`, where both answer the same status (a 202's job is another object).
  if (successStatusOf(mine) === successStatusOf(theirs)) {
    const [ourData, theirData] = [responseDataFieldsOf(ours, mine), responseDataFieldsOf(monaco, theirs)];
    for (const name of ourData) if (!theirData.includes(name)) differ(`response field +${name}`, "only ours");
    for (const name of theirData)
      if (!ourData.includes(name)) differ(`response field -${name}`, "only Monaco's");
  }
  return differences;
}

const sharedOperations = [...operationsOf(monaco).keys()].filter((key) => operationsOf(ours).has(key)).sort();

describe("our OpenAPI document against Monaco's", () => {
  it("shares the operations this service implements (computed from both documents)", () => {
    // A floor, so a broken path normalisation cannot make the comparison vacuous.
    expect(sharedOperations).toEqual(
      expect.arrayContaining([
        "GET /v1/accounts/{account_id}",
        "GET /v1/contacts/{contact_id}",
        "GET /v1/schemas/{entity}",
        "GET /v1/tags",
        "POST /v1/tags",
        "PUT /v1/accounts",
        "PUT /v1/contacts",
      ]),
    );
  });

  it("has batches of its own: Monaco describes no batch operation, so none is compared", () => {
    const batchOperations = (doc: OpenApiLike) =>
      [...operationsOf(doc).keys()].filter((key) => key.includes("batch"));
    expect(batchOperations(monaco)).toEqual([]);
    expect(batchOperations(ours).sort()).toEqual([
      "GET /v1/batches/{batch_id}",
      "GET /v1/batches/{batch_id}/items",
      "POST /v1/accounts/batch",
      "POST /v1/contacts/batch",
    ]);
    for (const key of batchOperations(ours)) expect(sharedOperations).not.toContain(key);
  });

  it("differs from Monaco only where deliberateDifferences says so", () => {
    const found = sharedOperations.flatMap(compareOperation);
    const unexplained = found.filter((difference) => !(difference.key in deliberateDifferences));
    expect(unexplained, "differences with no reason in deliberateDifferences").toEqual([]);
    const stale = Object.keys(deliberateDifferences).filter((key) => !found.some((d) => d.key === key));
    expect(stale, "deliberateDifferences entries that no longer differ").toEqual([]);
  });

  it.each(sharedOperations)("%s answers client errors in Monaco's error envelope", (key) => {
    const mine = operationsOf(ours).get(key)?.operation ?? {};
    const theirs = operationsOf(monaco).get(key)?.operation ?? {};
    const theirShape = [...errorEnvelopesOf(monaco, theirs).values()][0];
    const ourShapes = errorEnvelopesOf(ours, mine);
    expect(theirShape).toBe("error{code:string,message:string}");
    expect(ourShapes.size).toBeGreaterThan(0);
    for (const shape of ourShapes.values()) expect(shape).toBe(theirShape);
  });
});
