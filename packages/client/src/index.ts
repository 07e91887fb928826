import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, operations, paths } from "./generated/api-types";

export type { components, operations, paths };
export type ContactUpsertRequest = components["schemas"]["ContactUpsertRequest"];
export type ContactDetailResponse = components["schemas"]["ContactDetailResponse"];
export type AccountUpsertRequest = components["schemas"]["AccountUpsertRequest"];
export type JobResponse = components["schemas"]["JobResponse"];
export type ErrorDetail = components["schemas"]["ErrorDetail"];

export type UpsertClient = Client<paths>;

export interface CreateUpsertClientOptions {
  /** The API's origin, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** An organisation's API key (`mks_...`), sent as `Authorization: Bearer <apiKey>`. */
  apiKey: string;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof globalThis.fetch;
}

/**
 * A typed client for the API (openapi-fetch over the types generated from its OpenAPI document):
 * `client.PUT("/v1/contacts", { body })` returns `{ data, error, response }`, with `data` the
 * success envelope and `error` the error envelope, both typed per operation and status.
 */
export function createUpsertClient(options: CreateUpsertClientOptions): UpsertClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const authenticate: Middleware = {
    onRequest({ request }) {
      request.headers.set("authorization", `Bearer ${options.apiKey}`);
      return request;
    },
  };
  client.use(authenticate);
  return client;
}
export { type UpsertContactAndWaitOptions, upsertContactAndWait } from "./upsert-contact-and-wait";
