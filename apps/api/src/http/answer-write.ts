import type { AcceptedRequest } from "@upsert/db";
import { DomainError } from "@upsert/domain";
import type { Request, Response } from "express";
import { type AwaitWriteDeps, awaitWrite, isDelete, isWritten, writtenData } from "../services/await-write";
import { sendData, sendError } from "./envelope";
import { statusOfErrorCode } from "./error-handler";
import { sendAccepted } from "./job-view";
import { readPreference } from "./prefer";

/** Aborts when the response's connection closes: the client went away before its answer. */
export function closeSignalOf(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => controller.abort());
  return controller.signal;
}

/**
 * Answers an accepted write. Without a preference, or with `Prefer: respond-async`: 202 and the job,
 * as always. With `Prefer: wait=N`: what Monaco's synchronous endpoint answers once the write has
 * finished within N seconds (200 and the record, or the job's error with its status), with
 * `Preference-Applied` and `Job-Id` (a delete: 204); the 202 if it has not.
 */
export async function answerWrite(
  req: Request,
  res: Response,
  deps: AwaitWriteDeps,
  accepted: { request: AcceptedRequest; replayed: boolean },
  logMessage: string,
): Promise<void> {
  const preference = readPreference(req.headers.prefer, deps.preferWaitMaxS);
  if (preference.kind !== "wait") {
    if (preference.kind === "respond-async") res.set("Preference-Applied", "respond-async");
    return sendAccepted(req, res, accepted, logMessage);
  }
  const { request, replayed } = accepted;
  const row = await awaitWrite(deps, {
    orgId: request.orgId,
    requestId: request.id,
    seconds: preference.seconds,
    signal: closeSignalOf(res),
  });
  if (!row || !isWritten(row))
    return sendAccepted(req, res, { request: row ?? request, replayed }, logMessage);

  res.set({ "Job-Id": row.id, "Preference-Applied": `wait=${preference.seconds}` });
  if (replayed) res.set("Idempotent-Replayed", "true");
  if (row.status === "failed") {
    const error = row.error as { code: string; message: string; details?: unknown };
    req.log.warn({ jobId: row.id, replayed, code: error.code }, `${logMessage}; the write failed`);
    return sendError(res, statusOfErrorCode(error.code), error.code, error.message, error.details);
  }
  if (isDelete(row)) {
    req.log.info({ jobId: row.id, replayed }, `${logMessage}; written`);
    res.status(204).end();
    return;
  }
  const data = await writtenData(deps, row);
  if (data === null) throw new DomainError("not_found", "The record no longer exists.");
  req.log.info({ jobId: row.id, replayed }, `${logMessage}; written`);
  sendData(res, 200, data);
}
