import { listAccounts, listContacts, listCustomFields, type Prisma } from "@upsert/db";
import {
  type AccountResponse,
  type ContactResponse,
  type FieldSchema,
  type ListEntity,
  listFieldSchemas,
  parseListRequest,
  toAccountResponse,
  toContactResponse,
} from "@upsert/domain";
import type { ListPageView } from "../http/envelope";

/** Lists read from DATABASE_READ_URL's client (the primary's when unset): they may lag. */
export interface ListRecordsDeps {
  readPrisma: Prisma;
  listCountLimit: number;
}

export interface ListedRecords<T> {
  items: T[];
  view: ListPageView;
}

/** Custom fields are stored on contacts only; accounts have none yet. */
async function customFieldsOf(deps: Pick<ListRecordsDeps, "readPrisma">, orgId: string, entity: ListEntity) {
  return entity === "contacts" ? listCustomFields(deps.readPrisma, orgId, "contacts") : [];
}

function withoutCustomFields(contact: ContactResponse): ContactResponse {
  return Object.fromEntries(
    Object.entries(contact).filter(([key]) => !key.startsWith("custom_field_")),
  ) as ContactResponse;
}

/** `POST /v1/contacts/list`: validates against the org's fields (422 before any query), then reads a page. */
export async function listContactRecords(
  deps: ListRecordsDeps,
  orgId: string,
  body: unknown,
): Promise<ListedRecords<ContactResponse>> {
  const query = parseListRequest("contacts", body, await customFieldsOf(deps, orgId, "contacts"));
  const page = await listContacts(deps.readPrisma, orgId, query, { countLimit: deps.listCountLimit });
  const items = page.items.map(toContactResponse);
  return {
    items: query.includeCustomFields ? items : items.map(withoutCustomFields),
    view: { page: query.page, pageSize: query.pageSize, ...page },
  };
}

/** `POST /v1/accounts/list`. */
export async function listAccountRecords(
  deps: ListRecordsDeps,
  orgId: string,
  body: unknown,
): Promise<ListedRecords<AccountResponse>> {
  const query = parseListRequest("accounts", body, await customFieldsOf(deps, orgId, "accounts"));
  const page = await listAccounts(deps.readPrisma, orgId, query, { countLimit: deps.listCountLimit });
  return {
    items: page.items.map(toAccountResponse),
    view: { page: query.page, pageSize: query.pageSize, ...page },
  };
}

/** `GET /v1/schemas/{entity}`: from the same field definitions the list endpoints validate against. */
export async function listEntityFieldSchemas(
  deps: Pick<ListRecordsDeps, "readPrisma">,
  orgId: string,
  entity: ListEntity,
): Promise<FieldSchema[]> {
  return listFieldSchemas(entity, await customFieldsOf(deps, orgId, entity));
}
