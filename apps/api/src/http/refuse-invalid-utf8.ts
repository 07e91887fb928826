import { isUtf8 } from "node:buffer";

/**
 * body-parser `verify` hook. Decoding would turn bytes that are not UTF-8 into U+FFFD, changing
 * what the caller sent without saying so; such a body is refused instead (400, see error-handler).
 */
export function refuseInvalidUtf8(_req: unknown, _res: unknown, body: Buffer, encoding: string): void {
  if ((encoding === "utf-8" || encoding === "utf8") && !isUtf8(body)) {
    throw Object.assign(new Error("request body is not valid UTF-8"), {
      status: 400,
      type: "charset.invalid",
    });
  }
}
