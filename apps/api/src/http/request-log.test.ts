import { describe, expect, it } from "vitest";
import { censorUrl } from "./request-log";

const key = `mks_${"a".repeat(48)}`;

describe("censorUrl", () => {
  it.each([
    ["/v1/tags", "/v1/tags"],
    ["/v1/tags?object=contacts", "/v1/tags?object=contacts"],
    ["/v1/tags?api_key=abc&object=contacts", "/v1/tags?api_key=[redacted]&object=contacts"],
    [
      "/v1/tags?KEY=abc&Token=def&access_token=ghi",
      "/v1/tags?KEY=[redacted]&Token=[redacted]&access_token=[redacted]",
    ],
    ["/v1/tags?api%5Fkey=abc", "/v1/tags?api%5Fkey=[redacted]"],
    ["/v1/tags?key[]=abc&token[x]=def", "/v1/tags?key[]=[redacted]&token[x]=[redacted]"],
    ["/v1/tags?%E0%A4%A=abc&key=x", "/v1/tags?%E0%A4%A=abc&key=[redacted]"],
    ["/v1/tags?key", "/v1/tags?key"],
    [`/v1/jobs/${key}`, "/v1/jobs/mks_[redacted]"],
    [`/v1/tags?q=${key}x&r=1`, "/v1/tags?q=mks_[redacted]&r=1"],
  ])("%s is logged as %s", (url, logged) => {
    expect(censorUrl(url)).toBe(logged);
  });
});
