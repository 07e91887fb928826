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

/**
 * Bounds on a 422's details, whatever the input: a body with thousands of bad keys, or one
 * enormous key, still gets a small answer (under 16 KB) that names the first problems.
 */
export const validationReportLimits = {
  /** Problems listed one by one; the rest are counted in one closing detail. */
  maxListedProblems: 10,
  /** Characters of a path or message shown; longer ones are cut and end in "…". */
  maxPathLength: 200,
  maxMessageLength: 500,
  /** The listed details' JSON, in bytes (escaping can make a character 6 bytes). */
  maxDetailsBytes: 12_000,
} as const;

function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  let end = maxLength - 1;
  // Never cut a surrogate pair in half: the answer must stay valid Unicode.
  if (/[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end -= 1;
  return `${text.slice(0, end)}…`;
}

/**
 * The details a 422 shows: the first few problems, shortened, then how many more there were
 * (those not listed here, plus `unlistedProblems` a parser counted without describing).
 */
export function boundValidationDetails(
  details: readonly ValidationDetail[],
  unlistedProblems = 0,
): ValidationDetail[] {
  const { maxListedProblems, maxPathLength, maxMessageLength, maxDetailsBytes } = validationReportLimits;
  const listed: ValidationDetail[] = [];
  let bytes = 0;
  for (const detail of details.slice(0, maxListedProblems)) {
    const shown = {
      path: truncate(detail.path, maxPathLength),
      message: truncate(detail.message, maxMessageLength),
    };
    bytes += Buffer.byteLength(JSON.stringify(shown));
    if (bytes > maxDetailsBytes) break;
    listed.push(shown);
  }
  const unlisted = details.length - listed.length + unlistedProblems;
  if (unlisted > 0) {
    listed.push({
      path: "",
      message: `…and ${unlisted} more problem${unlisted === 1 ? "" : "s"}, not listed. Fix the ones above and send the request again to see the rest.`,
    });
  }
  return listed;
}

/**
 * The 422 for a request body with problems: how many, and the first of them (see
 * validationReportLimits). `unlistedProblems`: more problems a parser counted but did not describe.
 */
export function invalidRequestError(details: readonly ValidationDetail[], unlistedProblems = 0): DomainError {
  const count = details.length + unlistedProblems;
  return new DomainError(
    "unprocessable_entity",
    `The request has ${count} invalid field${count === 1 ? "" : "s"}.`,
    boundValidationDetails(details, unlistedProblems),
  );
}
