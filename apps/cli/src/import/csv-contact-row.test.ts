import { describe, expect, it } from "vitest";
import { findHeaderProblem, toContactBody } from "./csv-contact-row";

const fieldId = "0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f";
const types = new Map([
  [`custom_field_${fieldId}`, "number" as const],
  ["custom_field_11111111-2222-4333-8444-555555555555", "boolean" as const],
]);

describe("toContactBody", () => {
  it("takes each non-empty cell under its header and leaves empty cells out", () => {
    const body = toContactBody(
      ["email", "first_name", "title", "linkedin_url"],
      [" ann@acme.com ", "Ann", "", "https://linkedin.com/in/ann"],
      types,
    );
    expect(body).toEqual({
      email: "ann@acme.com",
      first_name: "Ann",
      linkedin_url: "https://linkedin.com/in/ann",
    });
  });

  it("splits tags on semicolons and reads do_not_contact as a boolean", () => {
    const body = toContactBody(["email", "tags", "do_not_contact"], ["a@b.com", "t1; t2;;", "Yes"], types);
    expect(body).toEqual({ email: "a@b.com", tags: ["t1", "t2"], do_not_contact: true });
    expect(toContactBody(["do_not_contact"], ["0"], types)).toEqual({ do_not_contact: false });
  });

  it("turns custom field cells into the field's type, and leaves what does not fit as text for the API to refuse", () => {
    const headers = [
      `custom_field_${fieldId.toUpperCase()}`,
      "custom_field_11111111-2222-4333-8444-555555555555",
    ];
    expect(toContactBody(headers, ["42.5", "no"], types)).toEqual({
      [headers[0] ?? ""]: 42.5,
      [headers[1] ?? ""]: false,
    });
    expect(toContactBody(headers, ["lots", "maybe"], types)).toEqual({
      [headers[0] ?? ""]: "lots",
      [headers[1] ?? ""]: "maybe",
    });
    expect(toContactBody(["do_not_contact"], ["perhaps"], types)).toEqual({ do_not_contact: "perhaps" });
  });
});

describe("findHeaderProblem", () => {
  it("accepts a header naming an identifier", () => {
    expect(findHeaderProblem(["email", "first_name"])).toBeNull();
    expect(findHeaderProblem(["linkedin_url"])).toBeNull();
  });

  it("refuses headers that would fail every row the same way", () => {
    expect(findHeaderProblem(["email", "email"])).toBe('the header row names the column "email" twice');
    expect(findHeaderProblem(["email", ""])).toBe("the header row has an empty column name");
    expect(findHeaderProblem(["first_name"])).toMatch(/neither an email nor a linkedin_url column/);
  });
});
