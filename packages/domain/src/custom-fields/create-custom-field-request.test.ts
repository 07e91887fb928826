import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import { parseCreateCustomFieldRequest } from "./create-custom-field-request";

function problemsOf(body: unknown): { path: string; message: string }[] {
  try {
    parseCreateCustomFieldRequest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe("unprocessable_entity");
    return (err as DomainError).details as { path: string; message: string }[];
  }
  throw new Error("expected a DomainError");
}

describe("parseCreateCustomFieldRequest", () => {
  it.each(["string", "number", "boolean", "date"] as const)("accepts a %s field without options", (type) => {
    expect(parseCreateCustomFieldRequest({ entity: "contacts", name: " Score ", type })).toEqual({
      entity: "contacts",
      name: "Score",
      type,
      options: [],
    });
  });

  it("accepts an enum field with options, trimmed", () => {
    expect(
      parseCreateCustomFieldRequest({
        entity: "contacts",
        name: "Tier",
        type: "enum",
        options: [" gold", "silver"],
      }),
    ).toEqual({ entity: "contacts", name: "Tier", type: "enum", options: ["gold", "silver"] });
  });

  it("treats options: null on a non-enum field as absent", () => {
    expect(
      parseCreateCustomFieldRequest({ entity: "contacts", name: "N", type: "number", options: null }).options,
    ).toEqual([]);
  });

  it.each([
    ["missing", {}, "options is required when type is enum."],
    ["null", { options: null }, "options is required when type is enum."],
    ["empty", { options: [] }, "options must list at least one value."],
  ])("rejects an enum with %s options", (_case, extra, message) => {
    expect(problemsOf({ entity: "contacts", name: "Tier", type: "enum", ...extra })).toEqual([
      { path: "options", message },
    ]);
  });

  it("rejects duplicate options, naming each repeat", () => {
    expect(
      problemsOf({ entity: "contacts", name: "Tier", type: "enum", options: ["a", "b", " a", "b"] }),
    ).toEqual([
      { path: "options[2]", message: '"a" is listed twice.' },
      { path: "options[3]", message: '"b" is listed twice.' },
    ]);
  });

  it("rejects options on a non-enum field", () => {
    expect(problemsOf({ entity: "contacts", name: "Score", type: "number", options: ["1"] })).toEqual([
      { path: "options", message: "options is only allowed when type is enum." },
    ]);
  });

  it("rejects blank and non-string options", () => {
    const paths = problemsOf({ entity: "contacts", name: "Tier", type: "enum", options: ["ok", " ", 3] }).map(
      (p) => p.path,
    );
    expect(paths).toEqual(["options[1]", "options[2]"]);
  });

  it("lists every problem at once", () => {
    const problems = problemsOf({ entity: "accounts", name: "", type: "text", options: "a", colour: 1 });
    expect(problems.map((p) => p.path).sort()).toEqual(["colour", "entity", "name", "options", "type"]);
  });

  // JSON.parse turns `\u0000` and `\ud800` escapes into exactly these strings; Postgres refuses the
  // first and would store U+FFFD for the second, so both are refused here, naming the field.
  it.each([
    ["a NUL character", "Sco\u0000re"],
    ["a lone high surrogate", "Score\uD800"],
    ["a lone low surrogate", "\uDC00Score"],
  ])("rejects a name with %s", (_case, name) => {
    expect(problemsOf({ entity: "contacts", name, type: "string" })).toEqual([
      { path: "name", message: "name must not contain NUL characters or invalid Unicode." },
    ]);
  });

  it("rejects options with a NUL character or a lone surrogate, naming each", () => {
    expect(
      problemsOf({
        entity: "contacts",
        name: "Tier",
        type: "enum",
        options: ["gold", "si\u0000lver", "\uD800"],
      }),
    ).toEqual([
      { path: "options[1]", message: "an option must not contain NUL characters or invalid Unicode." },
      { path: "options[2]", message: "an option must not contain NUL characters or invalid Unicode." },
    ]);
  });

  it("accepts a name and options outside the Basic Multilingual Plane", () => {
    expect(
      parseCreateCustomFieldRequest({
        entity: "contacts",
        name: "Mood 🚀",
        type: "enum",
        options: ["😀", "東京"],
      }),
    ).toMatchObject({ name: "Mood 🚀", options: ["😀", "東京"] });
  });

  it("rejects a name over 100 characters and a body that is not an object", () => {
    expect(problemsOf({ entity: "contacts", name: "x".repeat(101), type: "string" })).toEqual([
      { path: "name", message: "name must be at most 100 characters long." },
    ]);
    expect(problemsOf(["contacts"])).toEqual([
      { path: "", message: "The request body must be a JSON object." },
    ]);
  });
});
