import { createOrganization } from "@upsert/db";
import { filterConditions } from "@upsert/domain";
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../testing/start-test-api";

// POST /v1/contacts/list and /v1/accounts/list on the real stack, and GET /v1/schemas/{entity}
// checked against what list accepts.

let database: TestDatabase;
let api: TestApi;
let key: string;
let orgId: string;
let otherKey: string;
const cf: Record<"tier" | "score" | "renewal" | "note" | "vip", string> = {
  tier: "",
  score: "",
  renewal: "",
  note: "",
  vip: "",
};

const id = (n: number) => `0191f0c2-1111-7000-8000-00000000000${n}`;
const [c1, c2, c3, c4, c5] = [1, 2, 3, 4, 5].map(id) as [string, string, string, string, string];
const acme = "0191f0c2-2222-7000-8000-000000000001";
const globex = "0191f0c2-2222-7000-8000-000000000002";
const initech = "0191f0c2-2222-7000-8000-000000000003";
const otherContact = "0191f0c2-3333-7000-8000-000000000001";

type Pagination = {
  page: number;
  page_size: number;
  total_count: number;
  total_pages: number;
  total_count_exact: boolean;
};
type ListBody = { data: Record<string, unknown>[]; pagination: Pagination; meta: { timestamp: string } };
type ErrorBody = { error: { code: string; message: string; details?: { path: string; message: string }[] } };
type FieldSchema = {
  key: string;
  type: string;
  filterable: boolean;
  sortable: boolean;
  allowed_operators: string[];
};

/** Creates a tag (Monaco answers 200) or custom field (201) and returns its `data`. */
async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await api.call("POST", path, { key, body });
  expect(res.status).toBe(path.startsWith("/v1/tags") ? 200 : 201); // a created tag is 200, as Monaco's
  return (res.body as { data: Record<string, unknown> }).data;
}

async function list(body: unknown, entity = "contacts", withKey = key) {
  return api.call("POST", `/v1/${entity}/list`, { key: withKey, body });
}

async function ids(body: unknown, entity = "contacts", withKey = key): Promise<string[]> {
  const res = await list(body, entity, withKey);
  expect(res.status, res.text).toBe(200);
  return (res.body as ListBody).data.map((item) => item.id as string);
}

const rule = (field: string, condition: string, value?: unknown) => ({
  filters: [{ field, condition, ...(value === undefined ? {} : { value }) }],
});

const at = (day: string) => new Date(`${day}T12:00:00.000Z`);

beforeAll(async () => {
  database = await createTestDatabase();
  api = await startTestApi({
    databaseUrl: database.url,
    redisUrl: "redis://127.0.0.1:6379",
    queuePrefix: uniqueQueuePrefix(),
  });
  const created = await createOrganization(api.db.prisma, { name: "Acme" });
  key = created.apiKey.secret;
  orgId = created.org.id;

  const field = async (name: string, type: string, options?: string[]) =>
    (await post("/v1/custom-fields", { entity: "contacts", name, type, ...(options ? { options } : {}) }))
      .key as string;
  cf.tier = await field("Tier", "enum", ["gold", "silver"]);
  cf.score = await field("Score", "number");
  cf.renewal = await field("Renewal", "date");
  cf.note = await field("Note", "string");
  cf.vip = await field("Vip", "boolean");
  const vip = (await post("/v1/tags", { object: "contacts", name: "VIP" })).id as string;
  const warm = (await post("/v1/tags", { object: "contacts", name: "Warm Lead" })).id as string;

  const prisma = api.db.prisma;
  await prisma.account.createMany({
    data: [
      {
        id: acme,
        orgId,
        domain: "acme.com",
        name: "Acme Corp",
        employeeCount: 250,
        foundedYear: 2019,
        createdAt: at("2025-01-01"),
        updatedAt: at("2025-06-01"),
      },
      {
        id: globex,
        orgId,
        domain: "globex.com",
        name: "Globex",
        createdAt: at("2025-01-02"),
        updatedAt: at("2025-01-02"),
      },
      {
        id: initech,
        orgId,
        domain: null,
        name: "Initech",
        createdAt: at("2025-01-03"),
        updatedAt: at("2025-01-03"),
      },
    ],
  });
  const contact = (
    cid: string,
    data: Record<string, unknown>,
    day: number,
    updated: string,
    tagIds: string[] = [],
  ) =>
    prisma.contact.create({
      data: {
        id: cid,
        orgId,
        createdAt: at(`2026-01-0${day}`),
        updatedAt: at(updated),
        tags: { create: tagIds.map((tagId) => ({ tagId })) },
        ...data,
      },
    });
  await contact(
    c1,
    {
      email: "Jane@Acme.com",
      emailNormalized: "jane@acme.com",
      firstName: "Jane",
      lastName: "Doe",
      title: "VP Engineering",
      accountId: acme,
      customFields: {
        [cf.tier]: "gold",
        [cf.score]: 10,
        [cf.renewal]: "2026-03-01",
        [cf.note]: "met at SaaStr",
        [cf.vip]: true,
      },
    },
    1,
    "2026-06-01",
    [vip],
  );
  await contact(
    c2,
    {
      email: "john@acme.com",
      emailNormalized: "john@acme.com",
      firstName: "John",
      title: "CTO",
      doNotContact: true,
      accountId: acme,
      customFields: { [cf.tier]: "silver", [cf.score]: 5, [cf.vip]: false },
    },
    2,
    "2026-02-01",
    [vip, warm],
  );
  await contact(
    c3,
    {
      email: "ann@globex.com",
      emailNormalized: "ann@globex.com",
      firstName: "Ann",
      accountId: globex,
      customFields: { [cf.score]: 20, [cf.renewal]: "2026-05-01" },
    },
    3,
    "2026-03-01",
  );
  await contact(
    c4,
    {
      firstName: "Bob_%",
      linkedinUrl: "https://linkedin.com/in/bob",
      linkedinCanonical: "https://linkedin.com/in/bob",
      title: "Founder",
      customFields: { [cf.tier]: "gold", [cf.note]: "" },
    },
    4,
    "2026-01-05",
    [warm],
  );
  await contact(
    c5,
    {
      email: "zed@initech.com",
      emailNormalized: "zed@initech.com",
      firstName: "Zed",
      title: "",
      accountId: initech,
    },
    5,
    "2026-04-01",
  );

  const other = await createOrganization(prisma, { name: "Other" });
  otherKey = other.apiKey.secret;
  const otherVip = await prisma.tag.create({
    data: {
      id: "0191f0c2-4444-7000-8000-000000000001",
      orgId: other.org.id,
      objectType: "contacts",
      name: "VIP",
      nameNormalized: "vip",
    },
  });
  await prisma.contact.create({
    data: {
      id: otherContact,
      orgId: other.org.id,
      email: "jane@acme.com",
      emailNormalized: "jane@acme.com",
      tags: { create: [{ tagId: otherVip.id }] },
    },
  });
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
});

describe("POST /v1/contacts/list", () => {
  it("lists the org's contacts newest first, each shaped exactly as GET /v1/contacts/:id shows it", async () => {
    const res = await list({});
    expect(res.status).toBe(200);
    const body = res.body as ListBody;
    expect(body.data.map((c) => c.id)).toEqual([c5, c4, c3, c2, c1]);
    expect(body.pagination).toEqual({
      page: 1,
      page_size: 50,
      total_count: 5,
      total_pages: 1,
      total_count_exact: true,
    });
    expect(Date.parse(body.meta.timestamp)).not.toBeNaN();
    for (const item of body.data) {
      const one = await api.call("GET", `/v1/contacts/${item.id}`, { key });
      expect(item).toEqual((one.body as { data: unknown }).data);
    }
    expect(body.data.at(-1)).toMatchObject({
      email: "Jane@Acme.com",
      tags: ["VIP"],
      [cf.tier]: "gold",
      [cf.score]: 10,
    });
  });

  it("leaves custom fields out when include_custom_fields is false", async () => {
    const res = await list({
      include_custom_fields: false,
      filters: [{ field: "email", condition: "equals", value: "jane@acme.com" }],
    });
    const [item] = (res.body as ListBody).data;
    expect(item?.id).toBe(c1);
    expect(Object.keys(item ?? {}).some((k) => k.startsWith("custom_field_"))).toBe(false);
  });

  it.each([
    ["email equals (normalised, as upserts match)", "email", "equals", "JANE@acme.COM", [c1]],
    ["email contains (any case)", "email", "contains", "ACME", [c2, c1]],
    ["email not_contains (contacts without one included)", "email", "not_contains", "acme", [c5, c4, c3]],
    ["email is_empty", "email", "is_empty", undefined, [c4]],
    ["email is_not_empty", "email", "is_not_empty", undefined, [c5, c3, c2, c1]],
    ["first_name contains matches % and _ literally", "first_name", "contains", "_%", [c4]],
    ["first_name equals", "first_name", "equals", "Ann", [c3]],
    ["linkedin_url equals", "linkedin_url", "equals", "https://linkedin.com/in/bob", [c4]],
    [
      "linkedin_url equals (canonicalised, as upserts match)",
      "linkedin_url",
      "equals",
      "https://www.LinkedIn.com/in/bob/",
      [c4],
    ],
    ["title is_empty (null or empty)", "title", "is_empty", undefined, [c5, c3]],
    ["title is_not_empty", "title", "is_not_empty", undefined, [c4, c2, c1]],
    ["do_not_contact is", "do_not_contact", "is", true, [c2]],
    ["do_not_contact is_not", "do_not_contact", "is_not", true, [c5, c4, c3, c1]],
    ["account_id is", "account_id", "is", acme, [c2, c1]],
    ["account_id is any of a list", "account_id", "is", [acme, globex], [c3, c2, c1]],
    ["account_id is_not", "account_id", "is_not", acme, [c5, c4, c3]],
    ["account_id is_empty", "account_id", "is_empty", undefined, [c4]],
    ["account_id is_not_empty", "account_id", "is_not_empty", undefined, [c5, c3, c2, c1]],
    ["account.domain equals (normalised)", "account.domain", "equals", "ACME.com", [c2, c1]],
    ["account.domain is_empty", "account.domain", "is_empty", undefined, [c5, c4]],
    ["account.domain is_not_empty", "account.domain", "is_not_empty", undefined, [c3, c2, c1]],
    ["tags is (case-insensitive)", "tags", "is", "vip", [c2, c1]],
    ["tags is any of a list", "tags", "is", ["VIP", "Warm Lead"], [c4, c2, c1]],
    ["tags is_not", "tags", "is_not", "VIP", [c5, c4, c3]],
    ["tags is_empty", "tags", "is_empty", undefined, [c5, c3]],
    ["tags is_not_empty", "tags", "is_not_empty", undefined, [c4, c2, c1]],
    ["created_at is_after a date", "created_at", "is_after", "2026-01-03", [c5, c4, c3]],
    ["created_at is_before a date-time (strict)", "created_at", "is_before", "2026-01-02T12:00:00Z", [c1]],
    ["updated_at is_after", "updated_at", "is_after", "2026-03-01", [c5, c3, c1]],
    ["updated_at is_before (no offset: UTC)", "updated_at", "is_before", "2026-02-01T12:00:01", [c4, c2]],
  ])("%s", async (_name, field, condition, value, expected) => {
    expect(await ids(rule(field, condition, value))).toEqual(expected);
  });

  it.each([
    ["enum is", "tier", "is", "gold", [c4, c1]],
    ["enum is any of", "tier", "is", ["gold", "silver"], [c4, c2, c1]],
    ["enum is_not (unset included)", "tier", "is_not", "gold", [c5, c3, c2]],
    ["enum is_empty", "tier", "is_empty", undefined, [c5, c3]],
    ["enum is_not_empty", "tier", "is_not_empty", undefined, [c4, c2, c1]],
    ["number equals", "score", "equals", 10, [c1]],
    ["number is_empty", "score", "is_empty", undefined, [c5, c4]],
    ["number is_not_empty", "score", "is_not_empty", undefined, [c3, c2, c1]],
    ["date equals", "renewal", "equals", "2026-05-01", [c3]],
    ["date is_before", "renewal", "is_before", "2026-04-01", [c1]],
    ["date is_after", "renewal", "is_after", "2026-04-01", [c3]],
    ["date is_empty", "renewal", "is_empty", undefined, [c5, c4, c2]],
    ["string equals", "note", "equals", "met at SaaStr", [c1]],
    ["string contains", "note", "contains", "saastr", [c1]],
    ["string not_contains", "note", "not_contains", "saastr", [c5, c4, c3, c2]],
    ["string is_empty (empty string counts)", "note", "is_empty", undefined, [c5, c4, c3, c2]],
    ["boolean is", "vip", "is", true, [c1]],
    ["boolean is_not (unset included)", "vip", "is_not", true, [c5, c4, c3, c2]],
    ["boolean is_not_empty", "vip", "is_not_empty", undefined, [c2, c1]],
  ] as const)("custom field %s", async (_name, which, condition, value, expected) => {
    expect(await ids(rule(cf[which], condition, value))).toEqual(expected);
  });

  it("ANDs a flat list of rules", async () => {
    const filters = [
      { field: "account_id", condition: "is", value: acme },
      { field: "tags", condition: "is", value: "Warm Lead" },
    ];
    expect(await ids({ filters })).toEqual([c2]);
  });

  it("nests and/or expressions; an expression without operator is an and", async () => {
    const filters = {
      operator: "or",
      filters: [
        { field: "email", condition: "equals", value: "jane@acme.com" },
        {
          filters: [
            { field: "tags", condition: "is", value: "Warm Lead" },
            { field: "account_id", condition: "is_empty" },
          ],
        },
        {
          operator: "and",
          filters: [
            { field: "first_name", condition: "equals", value: "Ann" },
            { field: cf.score, condition: "equals", value: 20 },
          ],
        },
      ],
    };
    expect(await ids({ filters })).toEqual([c4, c3, c1]);
    expect(await ids({ filters: { operator: "and", filters: [] } })).toEqual([c5, c4, c3, c2, c1]);
  });

  it("sorts by a field, '-' for descending, ties and missing values in a stable order", async () => {
    expect(await ids({ sort: "created_at" })).toEqual([c1, c2, c3, c4, c5]);
    expect(await ids({ sort: "email" })).toEqual([c3, c1, c2, c5, c4]);
    expect(await ids({ sort: "-email" })).toEqual([c4, c5, c2, c1, c3]);
    expect(await ids({ sort: "-updated_at" })).toEqual([c1, c5, c3, c2, c4]);
    // Equal do_not_contact values are ordered by id.
    expect(await ids({ sort: "do_not_contact" })).toEqual([c1, c3, c4, c5, c2]);
  });

  it("sorts by a custom field and filters and sorts together", async () => {
    expect((await ids({ sort: cf.score })).slice(0, 3)).toEqual([c2, c1, c3]);
    expect((await ids({ sort: `-${cf.score}` })).slice(2)).toEqual([c3, c1, c2]);
    expect(
      await ids({ sort: `-${cf.score}`, filters: [{ field: cf.score, condition: "is_not_empty" }] }),
    ).toEqual([c3, c1, c2]);
  });

  it("pages: page_size, total_count and total_pages; pages neither overlap nor skip", async () => {
    const pages: string[][] = [];
    for (const page of [1, 2, 3]) {
      const res = await list({ page, page_size: 2 });
      const body = res.body as ListBody;
      expect(body.pagination).toEqual({
        page,
        page_size: 2,
        total_count: 5,
        total_pages: 3,
        total_count_exact: true,
      });
      pages.push(body.data.map((c) => c.id as string));
    }
    expect(pages).toEqual([[c5, c4], [c3, c2], [c1]]);
    const beyond = (await list({ page: 4, page_size: 2 })).body as ListBody;
    expect(beyond.data).toEqual([]);
    expect(beyond.pagination).toMatchObject({ total_count: 5, total_pages: 3 });
    const filtered = (await list({ page_size: 1, ...rule("tags", "is", "vip") })).body as ListBody;
    expect(filtered.pagination).toEqual({
      page: 1,
      page_size: 1,
      total_count: 2,
      total_pages: 2,
      total_count_exact: true,
    });
  });

  it("counts a tag filter's contacts once each, and names without a tag as matching nothing", async () => {
    const countOf = async (value: unknown) => {
      const res = await list({ page_size: 1, ...rule("tags", "is", value) });
      expect(res.status, res.text).toBe(200);
      const body = res.body as ListBody;
      return { total: body.pagination.total_count, ids: body.data.map((item) => item.id as string) };
    };
    // c2 carries both tags: three contacts, not four.
    expect(await countOf(["VIP", "Warm Lead"])).toEqual({ total: 3, ids: [c4] });
    expect(await countOf(["vip", "VIP", "no such tag"])).toEqual({ total: 2, ids: [c2] });
    expect(await countOf("no such tag")).toEqual({ total: 0, ids: [] });
    // The other org's VIP tag and its contact are not counted here.
    const other = (await list(rule("tags", "is", "vip"), "contacts", otherKey)).body as ListBody;
    expect(other.pagination.total_count).toBe(1);
  });

  it("isolates orgs: another org's rows, tags and accounts are never seen", async () => {
    expect(await ids({}, "contacts", otherKey)).toEqual([otherContact]);
    expect(await ids(rule("tags", "is", "vip"), "contacts", otherKey)).toEqual([otherContact]);
    expect(await ids(rule("account_id", "is", acme), "contacts", otherKey)).toEqual([]);
    expect(await ids(rule("email", "equals", "jane@acme.com"))).toEqual([c1]);
    expect(await ids({}, "accounts", otherKey)).toEqual([]);
    // Org A's custom field does not exist for org B.
    const res = await list(rule(cf.tier, "is", "gold"), "contacts", otherKey);
    expect(res.status).toBe(422);
  });

  it.each([
    [
      "an unknown field",
      rule("full_name", "contains", "x"),
      "filters[0].field",
      /full_name is not a filterable field/,
    ],
    [
      "an unknown custom field",
      rule("custom_field_0191f0c2-9999-7000-8000-000000000000", "equals", "x"),
      "filters[0].field",
      /not a filterable field/,
    ],
    [
      "a condition the field does not support",
      rule("email", "is_before", "2026-01-01"),
      "filters[0].condition",
      /email does not support is_before/,
    ],
    [
      "an unknown condition",
      rule("email", "greater_than", "a"),
      "filters[0].condition",
      /condition must be one of/,
    ],
    ["a value of the wrong type", rule("account_id", "is", "acme"), "filters[0].value", /id \(uuid\)/],
    ["a bad date", rule("created_at", "is_after", "2026-02-30"), "filters[0].value", /ISO 8601/],
    ["a missing value", rule("email", "contains"), "filters[0].value", /non-empty string/],
    ["an unsortable field", { sort: "tags" }, "sort", /tags is not a sortable field/],
    ["an unknown sort field", { sort: "-notes" }, "sort", /notes is not a sortable field/],
    ["page_size above 500", { page_size: 501 }, "page_size", /1 to 500/],
    ["page 0", { page: 0 }, "page", /from 1/],
    ["an unknown body key", { filter: [] }, "filter", /not a known field/],
    [
      "a single rule not in a list",
      { filters: { field: "email", condition: "equals", value: "a" } },
      "filters",
      /must be in a list/,
    ],
    [
      "a bad rule deep in an expression",
      {
        filters: {
          operator: "or",
          filters: [
            { field: "email", condition: "is_empty" },
            { filters: [{ field: "nope", condition: "is" }] },
          ],
        },
      },
      "filters.filters[1].filters[0].field",
      /nope is not a filterable field/,
    ],
    ["a bad operator", { filters: { operator: "xor", filters: [] } }, "filters.operator", /and or or/],
  ])("answers 422 naming the field for %s", async (_name, body, path, message) => {
    const res = await list(body);
    expect(res.status).toBe(422);
    const { error } = res.body as ErrorBody;
    expect(error.code).toBe("unprocessable_entity");
    const detail = error.details?.find((d) => d.path === path);
    expect(detail, JSON.stringify(error.details)).toBeDefined();
    expect(detail?.message).toMatch(message);
  });

  it("names every problem of a request at once", async () => {
    const res = await list({
      sort: "tags",
      filters: [
        { field: "x", condition: "is" },
        { field: "email", condition: "is" },
      ],
    });
    expect(((res.body as ErrorBody).error.details ?? []).map((d) => d.path)).toEqual([
      "filters[0].field",
      "filters[1].condition",
      "sort",
    ]);
  });

  it("answers 415 for a body that is not JSON and 401 without a key", async () => {
    const bad = await api.call("POST", "/v1/contacts/list", {
      key,
      rawBody: "page=1",
      headers: { "content-type": "text/plain" },
    });
    expect(bad.status).toBe(415);
    expect((await api.call("POST", "/v1/contacts/list", { body: {} })).status).toBe(401);
  });
});

describe("POST /v1/accounts/list", () => {
  it("lists accounts newest first, each shaped exactly as GET /v1/accounts/:id shows it", async () => {
    const res = await list({}, "accounts");
    const body = res.body as ListBody;
    expect(body.data.map((a) => a.id)).toEqual([initech, globex, acme]);
    expect(body.pagination).toEqual({
      page: 1,
      page_size: 50,
      total_count: 3,
      total_pages: 1,
      total_count_exact: true,
    });
    for (const item of body.data) {
      const one = await api.call("GET", `/v1/accounts/${item.id}`, { key });
      expect(item).toEqual((one.body as { data: unknown }).data);
    }
  });

  it.each([
    ["domain equals (normalised)", "domain", "equals", "https://www.ACME.com/", [acme]],
    ["domain is_empty", "domain", "is_empty", undefined, [initech]],
    ["name contains", "name", "contains", "corp", [acme]],
    ["name not_contains", "name", "not_contains", "corp", [initech, globex]],
    ["employee_count equals", "employee_count", "equals", 250, [acme]],
    ["employee_count is_empty", "employee_count", "is_empty", undefined, [initech, globex]],
    ["updated_at is_after", "updated_at", "is_after", "2025-03-01", [acme]],
  ])("%s", async (_name, field, condition, value, expected) => {
    expect(await ids(rule(field, condition, value), "accounts")).toEqual(expected);
  });

  it("sorts and rejects contact-only fields", async () => {
    expect(await ids({ sort: "name" }, "accounts")).toEqual([acme, globex, initech]);
    const res = await list(rule("email", "equals", "a@b.c"), "accounts");
    expect(res.status).toBe(422);
    expect((res.body as ErrorBody).error.details?.[0]?.path).toBe("filters[0].field");
  });
});

describe("total_count past LIST_COUNT_LIMIT", () => {
  it("says when the count is a lower bound, and total_pages still reaches past the page asked for", async () => {
    const capped = await startTestApi({
      databaseUrl: database.url,
      redisUrl: "redis://127.0.0.1:6379",
      queuePrefix: uniqueQueuePrefix(),
      listCountLimit: 1,
    });
    try {
      const page = async (n: number) =>
        (
          (await capped.call("POST", "/v1/contacts/list", { key, body: { page: n, page_size: 1 } }))
            .body as ListBody
        ).pagination;
      expect(await page(1)).toEqual({
        page: 1,
        page_size: 1,
        total_count: 2,
        total_pages: 2,
        total_count_exact: false,
      });
      expect(await page(3)).toEqual({
        page: 3,
        page_size: 1,
        total_count: 4,
        total_pages: 4,
        total_count_exact: false,
      });
      // Close enough to the end, the count is exact again.
      expect(await page(5)).toEqual({
        page: 5,
        page_size: 1,
        total_count: 5,
        total_pages: 5,
        total_count_exact: true,
      });
    } finally {
      await capped.close();
    }
  });
});

/** A value of the right type for a field of this schema type (what a client would send). */
function sampleValue(field: FieldSchema): unknown {
  switch (field.type) {
    case "number":
      return 1;
    case "boolean":
      return true;
    case "uuid":
      return acme;
    case "datetime":
      return "2026-01-01T00:00:00Z";
    case "date":
      return "2026-01-01";
    case "array":
      return "VIP";
    case "enum":
      return "gold";
    default:
      return "x";
  }
}

describe.each(["contacts", "accounts"])("GET /v1/schemas/%s tells the truth about list", (entity) => {
  it("list accepts exactly the conditions and sorts the schema lists, custom fields included", async () => {
    const res = await api.call("GET", `/v1/schemas/${entity}`, { key });
    expect(res.status).toBe(200);
    const fields = (res.body as { data: FieldSchema[] }).data;
    if (entity === "contacts")
      expect(fields.filter((f) => f.key.startsWith("custom_field_"))).toHaveLength(5);
    for (const field of fields) {
      for (const condition of filterConditions) {
        const answer = await list(rule(field.key, condition, sampleValue(field)), entity);
        const accepted = field.filterable && field.allowed_operators.includes(condition as string);
        expect(answer.status, `${field.key} ${condition}: ${answer.text}`).toBe(accepted ? 200 : 422);
        if (!accepted)
          expect((answer.body as ErrorBody).error.details?.[0]?.path).toBe("filters[0].condition");
      }
      for (const sort of [field.key, `-${field.key}`]) {
        const answer = await list({ sort }, entity);
        expect(answer.status, `sort ${sort}: ${answer.text}`).toBe(field.sortable ? 200 : 422);
      }
    }
    // Keys the schema does not list are refused.
    const listed = new Set(fields.map((f) => f.key));
    for (const unknown of ["notes", "full_name", "owner", "id", "email", "domain", "scoring"].filter(
      (k) => !listed.has(k),
    )) {
      expect((await list(rule(unknown, "is_empty"), entity)).status).toBe(422);
      expect((await list({ sort: unknown }, entity)).status).toBe(422);
    }
  });
});
