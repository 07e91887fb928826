import { describe, expect, it } from "vitest";
import { isFreeMailDomain } from "./free-mail";

describe("isFreeMailDomain", () => {
  // 10minutemail.pl is only on the disposable list, gmail.com only on the free-mail one.
  it.each([
    ["gmail.com"],
    ["yahoo.com"],
    ["hotmail.com"],
    ["outlook.com"],
    ["mailinator.com"],
    ["10minutemail.pl"],
  ])("recognises %j (free or disposable)", (domain) => {
    expect(isFreeMailDomain(domain)).toBe(true);
  });

  it("ignores case, surrounding whitespace and a trailing dot", () => {
    expect(isFreeMailDomain("GMail.COM")).toBe(true);
    expect(isFreeMailDomain("  gmail.com. ")).toBe(true);
  });

  it.each([["acme.com"], ["mail.gmail.com"], ["gmail.com.evil.com"], ["gmail"], [""]])(
    "does not treat %j as free mail",
    (domain) => {
      expect(isFreeMailDomain(domain)).toBe(false);
    },
  );

  it("gives the same answer on repeated calls", () => {
    expect([isFreeMailDomain("gmail.com"), isFreeMailDomain("gmail.com")]).toEqual([true, true]);
    expect([isFreeMailDomain("acme.com"), isFreeMailDomain("acme.com")]).toEqual([false, false]);
  });
});
