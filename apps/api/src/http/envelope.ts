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

export interface ListPageView {
  page: number;
  pageSize: number;
  totalCount: number;
  totalCountExact: boolean;
}

/**
 * Monaco's PublicListResponse: `{ data, pagination: { page, page_size, total_count, total_pages },
 * meta }`, plus `total_count_exact` (ours): false when the count stopped at LIST_COUNT_LIMIT and
 * `total_count` is a lower bound; `total_pages` then always reaches past the page asked for, so a
 * client paging "until page >= total_pages" still reaches the end.
 */
export function sendList(res: Response, items: unknown[], view: ListPageView): void {
  res.status(200).json({
    data: items,
    pagination: {
      page: view.page,
      page_size: view.pageSize,
      total_count: view.totalCount,
      total_pages: Math.ceil(view.totalCount / view.pageSize),
      total_count_exact: view.totalCountExact,
    },
    meta: { timestamp: new Date().toISOString() },
  });
}
