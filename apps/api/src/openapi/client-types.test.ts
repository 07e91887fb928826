import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { clientTypesPath, renderClientTypes } from "./client-types";

describe("packages/client's generated types", () => {
  it("match the current OpenAPI document (run `pnpm openapi:client` when this fails)", async () => {
    const checkedIn = await readFile(clientTypesPath, "utf8");
    expect(
      checkedIn === (await renderClientTypes()),
      "packages/client types are stale: run `pnpm openapi:client`",
    ).toBe(true);
  });
});
