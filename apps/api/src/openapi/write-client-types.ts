import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { clientTypesPath, renderClientTypes } from "./client-types";

// `pnpm openapi:client`: regenerates packages/client's types from the API description.
await mkdir(path.dirname(clientTypesPath), { recursive: true });
await writeFile(clientTypesPath, await renderClientTypes());
console.log(`wrote ${path.relative(process.cwd(), clientTypesPath)}`);
