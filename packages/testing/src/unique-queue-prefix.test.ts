import { describe, expect, it } from "vitest";
import { uniqueQueuePrefix } from "./unique-queue-prefix";

describe("uniqueQueuePrefix", () => {
  it("returns a fresh test- prefix on every call", () => {
    const prefixes = Array.from({ length: 100 }, () => uniqueQueuePrefix());
    expect(prefixes[0]).toMatch(/^test-[0-9a-f]{12}$/);
    expect(new Set(prefixes).size).toBe(100);
  });

  it("wraps it in a {hash tag} for a Redis Cluster", () => {
    expect(uniqueQueuePrefix({ hashTag: true })).toMatch(/^\{test-[0-9a-f]{12}\}$/);
  });
});
