import { DomainError } from "@upsert/domain";
import type { Request } from "express";

/** Bodies are JSON: anything else is refused with 415 before it is parsed or recorded. */
export function requireJsonBody(req: Request): void {
  if (!req.is(["application/json", "application/*+json"])) {
    throw new DomainError(
      "unsupported_media_type",
      "Send the body as JSON with `Content-Type: application/json`.",
    );
  }
}
