import { describe, expect, it } from "vitest";
import { waitFor } from "./wait-for";

describe("waitFor", () => {
  it("returns the first truthy value, sleeping between polls", async () => {
    let calls = 0;
    const started = Date.now();

    const value = await waitFor(() => (++calls === 3 ? "ready" : null), { intervalMs: 20, timeoutMs: 1_000 });

    expect(value).toBe("ready");
    expect(calls).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
  });

  it("treats a throwing check as not ready yet", async () => {
    let calls = 0;
    await expect(
      waitFor(
        async () => {
          calls += 1;
          if (calls < 2) throw new Error("not yet");
          return true;
        },
        { intervalMs: 5 },
      ),
    ).resolves.toBe(true);
  });

  it("throws the given message at the deadline, with the last error as cause", async () => {
    let calls = 0;
    const failure = waitFor(
      () => {
        calls += 1;
        throw new Error("still down");
      },
      { timeoutMs: 100, intervalMs: 30, message: "redis never came up" },
    );

    await expect(failure).rejects.toThrow("redis never came up (after 100 ms)");
    await expect(failure).rejects.toHaveProperty("cause.message", "still down");
    // Sleeping between polls: about timeout / interval polls, not a busy loop.
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(calls).toBeLessThanOrEqual(6);
  });
});
