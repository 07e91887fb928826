export { type CreateDbOptions, createDb, type Db, type Prisma } from "./create-db";
