/** How a CSV cell becomes a value of `PUT /v1/contacts`' body (see the README's "Import contacts"). */
import type { components } from "@upsert/client";

/** Separator of several tag ids in one `tags` cell (a comma would need quoting in every row). */
export const tagSeparator = ";";

const customFieldHeader = /^custom_field_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const trueWords = new Set(["true", "yes", "1"]);
const falseWords = new Set(["false", "no", "0"]);

/** A contact custom field's type, as `GET /v1/custom-fields` lists it. */
export type CustomFieldType = components["schemas"]["CustomFieldResponse"]["type"];

/** "true"/"yes"/"1" and "false"/"no"/"0" (any case); anything else is left for the API to refuse. */
function toBoolean(cell: string): boolean | string {
  const word = cell.toLowerCase();
  if (trueWords.has(word)) return true;
  if (falseWords.has(word)) return false;
  return cell;
}

function toNumber(cell: string): number | string {
  const value = Number(cell);
  return Number.isFinite(value) ? value : cell;
}

/**
 * The body for one row: each non-empty cell under its header. An empty cell is left out, so
 * an import never clears a value (as an upsert that omits the field). Cells the service would
 * refuse are passed on as text, so that the refusal, with the API's own words, names the row.
 */
export function toContactBody(
  headers: readonly string[],
  cells: readonly string[],
  customFieldTypes: ReadonlyMap<string, CustomFieldType>,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [i, header] of headers.entries()) {
    const cell = (cells[i] ?? "").trim();
    if (cell === "") continue;
    if (header === "tags") {
      body.tags = cell
        .split(tagSeparator)
        .map((tag) => tag.trim())
        .filter((tag) => tag !== "");
    } else if (header === "do_not_contact") {
      body.do_not_contact = toBoolean(cell);
    } else if (customFieldHeader.test(header)) {
      const type = customFieldTypes.get(header.toLowerCase());
      body[header] = type === "number" ? toNumber(cell) : type === "boolean" ? toBoolean(cell) : cell;
    } else {
      body[header] = cell;
    }
  }
  return body;
}

/** Header problems that would make every row fail the same way: refused before anything is sent. */
export function findHeaderProblem(headers: readonly string[]): string | null {
  if (headers.length === 0) return "the file has no header row";
  const seen = new Set<string>();
  for (const header of headers) {
    if (header === "") return "the header row has an empty column name";
    if (seen.has(header)) return `the header row names the column "${header}" twice`;
    seen.add(header);
  }
  if (!seen.has("email") && !seen.has("linkedin_url")) {
    return "the header row has neither an email nor a linkedin_url column: no row could name a contact";
  }
  return null;
}
