import { type CreateTagRequest, DomainError, normaliseTagName, type TagDetails } from "@upsert/domain";
import { v7 as uuidv7 } from "uuid";
import { type PrismaClient, Prisma as PrismaNs } from "../generated/prisma/client";

const tagSelect = { id: true, objectType: true, name: true, color: true, createdAt: true } as const;

/**
 * Creates a tag. Names are unique per org and object type regardless of case; the unique index
 * on `name_normalized` decides (no check-then-insert race), and a clash becomes `conflict`.
 */
export async function createTag(
  prisma: PrismaClient,
  orgId: string,
  input: CreateTagRequest,
): Promise<TagDetails> {
  try {
    return await prisma.tag.create({
      data: {
        id: uuidv7(),
        orgId,
        objectType: input.object,
        name: input.name,
        nameNormalized: normaliseTagName(input.name),
        color: input.color,
      },
      select: tagSelect,
    });
  } catch (err) {
    if (err instanceof PrismaNs.PrismaClientKnownRequestError && err.code === "P2002") {
      throw new DomainError(
        "conflict",
        `A ${input.object} tag named "${input.name}" already exists.`,
        undefined,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}

/** The org's tags, optionally of one object type only, by object type and then name. */
export async function listTags(
  prisma: PrismaClient,
  orgId: string,
  filter: { object?: string } = {},
): Promise<TagDetails[]> {
  return prisma.tag.findMany({
    where: { orgId, ...(filter.object === undefined ? {} : { objectType: filter.object }) },
    select: tagSelect,
    orderBy: [{ objectType: "asc" }, { nameNormalized: "asc" }],
  });
}
