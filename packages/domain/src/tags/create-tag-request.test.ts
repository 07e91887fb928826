import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import { normaliseTagName, parseCreateTagRequest, parseListTagsQuery } from "./create-tag-request";

function problemsOf(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe("unprocessable_entity");
    return (err as DomainError).details as { path: string; message: string }[];
  }
  throw new Error("expected a DomainError");
}

describe("parseCreateTagRequest", () => {
  it("accepts Monaco's example and trims the name", () => {
    expect(parseCreateTagRequest({ object: "accounts", name: " Enterprise ", color: "blue" })).toEqual({
      object: "accounts",
      name: "Enterprise",
      color: "blue",
    });
  });

  it("defaults an absent color to null and accepts an explicit null", () => {
    expect(parseCreateTagRequest({ object: "contacts", name: "VIP 2026" }).color).toBeNull();
    expect(parseCreateTagRequest({ object: "contacts", name: "VIP", color: null }).color).toBeNull();
  });

  it("accepts exactly 100 characters and rejects 101", () => {
    expect(parseCreateTagRequest({ object: "contacts", name: "a".repeat(100) }).name).toHaveLength(100);
    expect(problemsOf(() => parseCreateTagRequest({ object: "contacts", name: "a".repeat(101) }))).toEqual([
      { path: "name", message: "name must be at most 100 characters long." },
    ]);
  });

  it.each([
    ["punctuation", "V.I.P."],
    ["an emoji", "Hot 🔥"],
    ["accented letters", "Café"],
    ["a hyphen", "high-value"],
  ])("rejects a name with %s", (_case, name) => {
    expect(problemsOf(() => parseCreateTagRequest({ object: "contacts", name }))).toEqual([
      { path: "name", message: "name may contain only letters, digits and spaces." },
    ]);
  });

  // JSON.parse turns `\u0000` and `\ud800` escapes into exactly these strings.
  it.each([
    ["a NUL character", "VIP\u0000"],
    ["a lone surrogate", "VIP\uD800"],
  ])("rejects a name with %s as unstorable, not as bad characters", (_case, name) => {
    expect(problemsOf(() => parseCreateTagRequest({ object: "contacts", name }))).toEqual([
      { path: "name", message: "name must not contain NUL characters or invalid Unicode." },
    ]);
  });

  it("reports one problem for a blank name, not several", () => {
    expect(problemsOf(() => parseCreateTagRequest({ object: "contacts", name: "   " }))).toEqual([
      { path: "name", message: "name must not be empty." },
    ]);
  });

  it("lists every problem at once, unknown keys one by one", () => {
    const problems = problemsOf(() =>
      parseCreateTagRequest({ object: "leads", name: 7, color: "orange", colour: "red", extra: 1 }),
    );
    expect(problems.map((p) => p.path).sort()).toEqual(["color", "colour", "extra", "name", "object"]);
    expect(problems.find((p) => p.path === "object")?.message).toBe(
      "object must be one of contacts, accounts, opportunities.",
    );
    expect(problems.find((p) => p.path === "color")?.message).toContain("green, blue, red");
  });

  it("says what is missing", () => {
    expect(problemsOf(() => parseCreateTagRequest({}))).toEqual([
      { path: "object", message: "object is required: one of contacts, accounts, opportunities." },
      { path: "name", message: "name is required and must be a string." },
    ]);
  });

  it.each([null, [], "VIP", 3])("rejects a body that is not an object (%j)", (body) => {
    expect(problemsOf(() => parseCreateTagRequest(body))).toEqual([
      { path: "", message: "The request body must be a JSON object." },
    ]);
  });
});

describe("parseListTagsQuery", () => {
  it("takes an optional object and ignores other parameters", () => {
    expect(parseListTagsQuery({})).toEqual({});
    expect(parseListTagsQuery({ object: "contacts", page: "2" })).toEqual({ object: "contacts" });
  });

  it("rejects an unknown or repeated object", () => {
    expect(problemsOf(() => parseListTagsQuery({ object: "leads" }))[0]?.path).toBe("object");
    expect(problemsOf(() => parseListTagsQuery({ object: ["contacts", "accounts"] }))[0]?.path).toBe(
      "object",
    );
  });
});

describe("normaliseTagName", () => {
  it("makes names differing only in case equal", () => {
    expect(normaliseTagName("Hot Lead")).toBe(normaliseTagName("hot LEAD"));
  });
});
