import type { z } from "zod";
import type { ValidationDetail } from "./domain-error";
import { formatIssuePath } from "./validation-error";

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

/**
 * Parses a JSON request body (already decoded) that must be an object, with `schema`. On failure,
 * every problem found, each with its path. zod drops an own `__proto__` key (JSON.parse creates
 * one for `{"__proto__": …}`), so the schema never sees it; it is still an unknown field the
 * caller should hear about, in `unknownFieldMessage`'s words.
 */
export function parseObjectBody<T extends z.ZodType>(
  schema: T,
  body: unknown,
  unknownFieldMessage: (key: string) => string,
): { ok: true; data: z.output<T> } | { ok: false; details: ValidationDetail[] } {
  if (!isPlainObject(body)) {
    return {
      ok: false,
      details: [
        { path: "", message: `The request body must be a JSON object, not ${describeJsonValue(body)}.` },
      ],
    };
  }
  const prototypeKeyDetails: ValidationDetail[] = Object.hasOwn(body, "__proto__")
    ? [{ path: "__proto__", message: unknownFieldMessage("__proto__") }]
    : [];
  const result = schema.safeParse(body);
  if (!result.success || prototypeKeyDetails.length > 0) {
    return {
      ok: false,
      details: [
        ...(result.error?.issues ?? []).map((issue) => ({
          path: formatIssuePath(issue.path),
          message: issue.message,
        })),
        ...prototypeKeyDetails,
      ],
    };
  }
  return { ok: true, data: result.data };
}
