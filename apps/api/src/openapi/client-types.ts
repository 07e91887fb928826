import { fileURLToPath } from "node:url";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";
import { createOpenApiDocument } from "./document";

/** Where packages/client keeps the types generated from the document (checked in). */
export const clientTypesPath = fileURLToPath(
  new URL("../../../../packages/client/src/generated/api-types.ts", import.meta.url),
);

/** The TypeScript types openapi-typescript generates from the current document. */
export async function renderClientTypes(): Promise<string> {
  // openapi-typescript takes the document as a plain object; its own type is structurally the same.
  const document = JSON.parse(JSON.stringify(createOpenApiDocument())) as Parameters<typeof openapiTS>[0];
  const ast = await openapiTS(document, { alphabetize: true });
  return `${COMMENT_HEADER}// Run \`pnpm openapi:client\` after changing the API description.\n\n${narrowCustomFieldKeys(astToString(ast))}`;
}

// openapi-typescript renders `patternProperties` as a `string` index signature, which would clash
// with `tags` and `enrichment` beside it; custom field values only live under `custom_field_<uuid>`.
const customFieldIndex = "[key: string]: string | number | boolean | null;";
function narrowCustomFieldKeys(types: string): string {
  if (!types.includes(customFieldIndex))
    throw new Error("custom field index signature not found in the types");
  return types.replaceAll(
    customFieldIndex,
    // \u0024 is `$`: the text is a TypeScript template literal type, not a JS template.
    "[key: `custom_field_\u0024{string}`]: string | number | boolean | null;",
  );
}
