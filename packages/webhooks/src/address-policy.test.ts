import { describe, expect, it } from "vitest";
import { findUrlProblem, isPublicAddress } from "./address-policy";

describe("isPublicAddress", () => {
  it.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "::1",
    "fe80::1",
    "fd00::1",
    "::ffff:127.0.0.1",
    "224.0.0.1",
    "not-an-address",
  ])("refuses %s", (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])("allows %s", (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe("findUrlProblem", () => {
  it.each([
    "http://127.0.0.1:8080/hook",
    "http://localhost/hook",
    "http://[::1]/hook",
    "https://169.254.169.254/latest/meta-data",
    "http://10.0.0.7/hook",
  ])("refuses %s unless private addresses are allowed", async (url) => {
    expect(await findUrlProblem(url, { allowPrivate: false })).toMatch(/private or link-local/);
    expect(await findUrlProblem(url, { allowPrivate: true })).toBeNull();
  });

  it("accepts a public address", async () => {
    expect(await findUrlProblem("https://93.184.216.34/hook", { allowPrivate: false })).toBeNull();
  });

  it("refuses a host that does not resolve", async () => {
    expect(await findUrlProblem("https://no-such-host.invalid/hook", { allowPrivate: true })).toMatch(
      /does not resolve/,
    );
  });
});
