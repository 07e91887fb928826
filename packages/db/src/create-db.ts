import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";

export type Prisma = PrismaClient;

export interface Db {
  prisma: PrismaClient;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  /** Pool size per process (pg default is 10). */
  maxConnections?: number;
}

/** Creates the Prisma client over node-postgres. Nothing connects until the first query. */
export function createDb(url: string, options: CreateDbOptions = {}): Db {
  const adapter = new PrismaPg({ connectionString: url, max: options.maxConnections ?? 10 });
  const prisma = new PrismaClient({ adapter });
  return {
    prisma,
    close: () => prisma.$disconnect(),
  };
}
