import { describe, expect, it } from "vitest";
import type { CustomFieldDetails } from "../custom-fields/custom-field-response";
import { DomainError } from "../errors/domain-error";
import { listFieldsOf } from "./list-fields";
import { type FilterNode, listRequestLimits, parseListRequest } from "./parse-list-request";

const score: CustomFieldDetails = {
  id: "0191f0c2-0000-7000-8000-00000000000a",
  entity: "contacts",
  name: "Score",
  type: "number",
  options: [],
  createdAt: new Date(0),
};

function problems(body: unknown, entity: "contacts" | "accounts" = "contacts"): string[] {
  try {
    parseListRequest(entity, body, [score]);
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return ((err as DomainError).details as { path: string }[]).map((d) => d.path);
  }
  throw new Error("expected a 422");
}

const firstRule = (node: FilterNode | null) => (node?.kind === "group" ? node.filters[0] : node);

describe("parseListRequest", () => {
  it("defaults to the first page of 50, newest first, with custom fields", () => {
    const query = parseListRequest("contacts", {}, []);
    expect(query).toMatchObject({ filter: null, page: 1, pageSize: 50, includeCustomFields: true });
    expect(query.sort).toMatchObject({ field: { key: "created_at" }, descending: true });
  });

  it("normalises values the way stored values are: email and domain equals, tag names", () => {
    const email = parseListRequest(
      "contacts",
      { filters: [{ field: "email", condition: "equals", value: "Ann@EXAMPLE.com" }] },
      [],
    );
    expect(firstRule(email.filter)).toMatchObject({ value: "ann@example.com" });
    const domain = parseListRequest(
      "accounts",
      { filters: [{ field: "domain", condition: "equals", value: "https://www.Acme.COM/x" }] },
      [],
    );
    expect(firstRule(domain.filter)).toMatchObject({ value: "acme.com" });
    const tags = parseListRequest(
      "contacts",
      { filters: [{ field: "tags", condition: "is", value: ["VIP", "Warm Lead"] }] },
      [],
    );
    expect(firstRule(tags.filter)).toMatchObject({ value: ["vip", "warm lead"] });
  });

  it("reads a date-time without an offset as UTC and ignores values of emptiness checks", () => {
    const query = parseListRequest(
      "contacts",
      {
        filters: [
          { field: "updated_at", condition: "is_after", value: "2026-01-01T10:00:00" },
          { field: "email", condition: "is_empty", value: "ignored" },
        ],
      },
      [],
    );
    const group = query.filter as Extract<FilterNode, { kind: "group" }>;
    expect(group.filters.map((f) => (f.kind === "rule" ? f.value : undefined))).toEqual([
      new Date("2026-01-01T10:00:00Z"),
      null,
    ]);
  });

  it("accepts a custom field in filters and sort, and only the conditions of its type", () => {
    const key = `custom_field_${score.id}`;
    const query = parseListRequest(
      "contacts",
      { sort: `-${key}`, filters: [{ field: key, condition: "equals", value: 3 }] },
      [score],
    );
    expect(query.sort).toMatchObject({ field: { key }, descending: true });
    expect(problems({ filters: [{ field: key, condition: "contains", value: "3" }] })).toEqual([
      "filters[0].condition",
    ]);
    expect(problems({ filters: [{ field: key, condition: "equals", value: "3" }] })).toEqual([
      "filters[0].value",
    ]);
  });

  it("bounds the size and depth of a filter", () => {
    const rules = Array.from({ length: listRequestLimits.maxRules + 5 }, () => ({
      field: "email",
      condition: "is_empty",
    }));
    expect(problems({ filters: rules })).toEqual([`filters[${listRequestLimits.maxRules}]`]);
    let deep: unknown = { field: "email", condition: "is_empty" };
    for (let i = 0; i < listRequestLimits.maxDepth + 1; i += 1) deep = { filters: [deep] };
    expect(problems({ filters: deep })).toHaveLength(1);
  });

  it("has one definition per entity, with no key twice", () => {
    for (const entity of ["contacts", "accounts"] as const) {
      const keys = listFieldsOf(entity, [score]).map((f) => f.key);
      expect(new Set(keys).size).toBe(keys.length);
    }
    expect(listFieldsOf("accounts", [score]).some((f) => f.customField)).toBe(false);
  });
});
