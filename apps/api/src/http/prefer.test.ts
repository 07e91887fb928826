import { describe, expect, it } from "vitest";
import { readPreference } from "./prefer";

const read = (prefer: string | string[] | undefined, maxWaitS = 30) => readPreference(prefer, maxWaitS);

describe("readPreference", () => {
  it("reads wait=N, in any case, quoted or not, among other preferences", () => {
    expect(read("wait=10")).toEqual({ kind: "wait", seconds: 10 });
    expect(read('Wait="7"')).toEqual({ kind: "wait", seconds: 7 });
    expect(read("handling=lenient, wait=3")).toEqual({ kind: "wait", seconds: 3 });
    expect(read(["return=minimal", "wait=4"])).toEqual({ kind: "wait", seconds: 4 });
  });

  it("caps N at the maximum, and 0 or a maximum of 0 means no wait", () => {
    expect(read("wait=100", 30)).toEqual({ kind: "wait", seconds: 30 });
    expect(read("wait=0")).toEqual({ kind: "none" });
    expect(read("wait=10", 0)).toEqual({ kind: "none" });
  });

  it("counts the first instance of a preference (RFC 7240 §2)", () => {
    expect(read("wait=2, wait=20")).toEqual({ kind: "wait", seconds: 2 });
  });

  it("lets respond-async win over a wait", () => {
    expect(read("respond-async, wait=10")).toEqual({ kind: "respond-async" });
    expect(read("wait=10, RESPOND-ASYNC")).toEqual({ kind: "respond-async" });
  });

  it("ignores what it cannot read instead of refusing it", () => {
    for (const header of [undefined, "", "wait", "wait=soon", "wait=-1", "wait=1.5", "wait=99999999999"]) {
      expect(read(header)).toEqual({ kind: "none" });
    }
  });
});
