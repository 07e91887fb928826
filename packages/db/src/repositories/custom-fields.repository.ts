import { type CreateCustomFieldRequest, type CustomFieldDetails, DomainError } from "@upsert/domain";
import { v7 as uuidv7 } from "uuid";
import { type PrismaClient, Prisma as PrismaNs } from "../generated/prisma/client";

const customFieldSelect = {
  id: true,
  entity: true,
  name: true,
  type: true,
  options: true,
  createdAt: true,
} as const;

/**
 * Creates a custom field. Names are unique per org and entity; the unique index decides (no
 * check-then-insert race), and a clash becomes `conflict`.
 */
export async function createCustomField(
  prisma: PrismaClient,
  orgId: string,
  input: CreateCustomFieldRequest,
): Promise<CustomFieldDetails> {
  try {
    return await prisma.customField.create({
      data: {
        id: uuidv7(),
        orgId,
        entity: input.entity,
        name: input.name,
        type: input.type,
        options: input.options,
      },
      select: customFieldSelect,
    });
  } catch (err) {
    if (err instanceof PrismaNs.PrismaClientKnownRequestError && err.code === "P2002") {
      throw new DomainError(
        "conflict",
        `A ${input.entity} custom field named "${input.name}" already exists.`,
        undefined,
        { cause: err },
      );
    }
    throw err;
  }
}

/** The org's custom fields of one entity, oldest first (ids are UUIDv7, so they break ties in order). */
export async function listCustomFields(
  prisma: PrismaClient,
  orgId: string,
  entity: string,
): Promise<CustomFieldDetails[]> {
  return prisma.customField.findMany({
    where: { orgId, entity },
    select: customFieldSelect,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
}
