import type { z } from "zod";
import { DomainError, type ValidationDetail } from "./domain-error";

const plainPathSegmentPattern = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `["tags", 3]` → `tags[3]`; keys that are not plain names are quoted: `["first name"]`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let formatted = "";
  for (const segment of path) {
    if (typeof segment === "number") {
      formatted += `[${segment}]`;
    } else {
      const key = String(segment);
      if (plainPathSegmentPattern.test(key)) {
        formatted += formatted === "" ? key : `.${key}`;
      } else {
        formatted += `[${JSON.stringify(key)}]`;
      }
    }
  }
  return formatted;
}

/** One detail per problem; zod reports all unknown keys in one root issue, so each gets its own. */
export function validationDetailsOf(error: z.ZodError): ValidationDetail[] {
  return error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: formatIssuePath([key]), message: `${key} is not a known field.` }))
      : [{ path: formatIssuePath(issue.path), message: issue.message }],
  );
}

/** The 422 for a request body with problems, listing every one of them. */
export function invalidRequestError(details: ValidationDetail[]): DomainError {
  const count = details.length;
  return new DomainError(
    "unprocessable_entity",
    `The request has ${count} invalid field${count === 1 ? "" : "s"}.`,
    details,
  );
}
