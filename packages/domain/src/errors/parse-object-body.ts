import type { z } from "zod";
import type { ValidationDetail } from "./domain-error";
import { formatIssuePath, validationReportLimits } from "./validation-error";

/** Marks the one issue an IssueBudget adds to say how many it did not add. */
const unlistedProblemsParam = "unlistedProblems";

export interface IssueBudget {
  /** Adds an issue, or only counts it once a 422 could not list it anyway. */
  add(path: PropertyKey[], message: () => string): void;
  /** Records how many were counted, not added (read back by parseObjectBody). */
  close(): void;
}

/**
 * For a rule that looks at every key of a body: adds its issues to `ctx` only while a 422 would
 * still list them (validationReportLimits.maxListedProblems), then just counts them. So a body of
 * thousands of bad keys costs neither thousands of messages (typo suggestions) nor thousands of
 * zod issues, whose handling grows faster than their number.
 */
export function createIssueBudget(ctx: z.RefinementCtx): IssueBudget {
  let added = 0;
  let unlisted = 0;
  return {
    add(path, message) {
      if (added < validationReportLimits.maxListedProblems) {
        added += 1;
        ctx.addIssue({ code: "custom", path, message: message() });
      } else {
        unlisted += 1;
      }
    },
    close() {
      if (unlisted > 0) {
        ctx.addIssue({
          code: "custom",
          path: [],
          message: `…and ${unlisted} more problems.`,
          params: { [unlistedProblemsParam]: unlisted },
        });
      }
    },
  };
}

function unlistedProblemsOf(issue: z.core.$ZodIssue): number | null {
  const count: unknown = issue.code === "custom" ? issue.params?.[unlistedProblemsParam] : undefined;
  return typeof count === "number" ? count : null;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return false;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

export function describeJsonValue(value: unknown): string {
  if (value === null) {
    return "null";
  }
  if (value === undefined) {
    return "an empty body";
  }
  if (Array.isArray(value)) {
    return "an array";
  }
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
    case "bigint":
      return "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object with a custom prototype";
    default:
      return `a value of type ${typeof value}`;
  }
}

export type ParseObjectBodyResult<T> =
  | { ok: true; data: T }
  /** `details`: problems described; `unlistedProblems`: more that were only counted (IssueBudget). */
  | { ok: false; details: ValidationDetail[]; unlistedProblems: number };

/**
 * Parses a JSON request body (already decoded) that must be an object, with `schema`. On failure,
 * the problems found, each with its path. zod drops an own `__proto__` key (JSON.parse creates
 * one for `{"__proto__": …}`), so the schema never sees it; it is still an unknown field the
 * caller should hear about, in `unknownFieldMessage`'s words.
 */
export function parseObjectBody<T extends z.ZodType>(
  schema: T,
  body: unknown,
  unknownFieldMessage: (key: string) => string,
): ParseObjectBodyResult<z.output<T>> {
  if (!isPlainObject(body)) {
    return {
      ok: false,
      details: [
        { path: "", message: `The request body must be a JSON object, not ${describeJsonValue(body)}.` },
      ],
      unlistedProblems: 0,
    };
  }
  const prototypeKeyDetails: ValidationDetail[] = Object.hasOwn(body, "__proto__")
    ? [{ path: "__proto__", message: unknownFieldMessage("__proto__") }]
    : [];
  const result = schema.safeParse(body);
  if (!result.success || prototypeKeyDetails.length > 0) {
    const details: ValidationDetail[] = [];
    let unlistedProblems = 0;
    for (const issue of result.error?.issues ?? []) {
      const unlisted = unlistedProblemsOf(issue);
      if (unlisted === null) details.push({ path: formatIssuePath(issue.path), message: issue.message });
      else unlistedProblems += unlisted;
    }
    return { ok: false, details: [...details, ...prototypeKeyDetails], unlistedProblems };
  }
  return { ok: true, data: result.data };
}
