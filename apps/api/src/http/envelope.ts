import type { Response } from "express";

export interface ErrorDetailItem {
  path: string;
  message: string;
}

/** Monaco's success envelope: `{ data, meta: { timestamp } }`. */
export function sendData(res: Response, status: number, data: unknown): void {
  res.status(status).json({ data, meta: { timestamp: new Date().toISOString() } });
}

/** Monaco's error envelope: `{ error: { code, message, details? } }`. */
export function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

export function sendError(
  res: Response,
  status: number,
  code: string,
  message: string,
  details?: unknown,
): void {
  res.status(status).json(errorBody(code, message, details));
}
