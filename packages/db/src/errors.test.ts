import { describe, expect, it } from "vitest";
import { IntakeOutcomeUnknownError, isDatabaseUnavailableError } from "./errors";

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe("isDatabaseUnavailableError", () => {
  it.each([
    [
      "a terminated session (57P01)",
      withCode("terminating connection due to administrator command", "57P01"),
    ],
    [
      "a refused connection, as the cause",
      new Error("query failed", { cause: withCode("connect", "ECONNREFUSED") }),
    ],
    ["a socket that ended", new Error("Connection terminated unexpectedly")],
    [
      "a pooled client whose connection had died",
      new Error("Client has encountered a connection error and is not queryable"),
    ],
    [
      "a database closed to connections",
      withCode('database "x" is not currently accepting connections', "55000"),
    ],
  ])("is true for %s", (_, err) => {
    expect(isDatabaseUnavailableError(err)).toBe(true);
  });

  it.each([
    ["a unique violation", withCode("duplicate key value violates unique constraint", "23505")],
    ["a bad jsonb value", withCode("unsupported Unicode escape sequence", "22P05")],
    ["a plain bug", new TypeError("x is not a function")],
  ])("is false for %s", (_, err) => {
    expect(isDatabaseUnavailableError(err)).toBe(false);
  });

  it("is false for an unknown intake outcome, although its cause is a lost connection", () => {
    const err = new IntakeOutcomeUnknownError("0190", new Error("Connection terminated unexpectedly"));
    expect(isDatabaseUnavailableError(err)).toBe(false);
  });
});
