export { type CreateDbOptions, createDb, type Db, type Pool, type Prisma } from "./create-db";
export { IntakeOutcomeUnknownError, isDatabaseUnavailableError } from "./errors";
export { createIntakeRecorder, type IntakeRecorder, type IntakeRecorderOptions } from "./intake-recorder";
export {
  defaultMigrationsDir,
  type EnsureDatabaseResult,
  ensureDatabase,
  type MigrateOptions,
  type MigrateResult,
  MigrationError,
  type MigrationErrorCode,
  type MigrationLogger,
  migrate,
  readDatabaseName,
  readMigrations,
  replaceDatabaseName,
} from "./migrations";
export { findAccountDetails } from "./repositories/accounts.repository";
export {
  type ActiveApiKey,
  type ApiKeySummary,
  createApiKey,
  findActiveApiKeyByHash,
  type IssuedApiKey,
  listApiKeys,
  revokeApiKey,
  touchApiKeyLastUsed,
} from "./repositories/api-keys.repository";
export { findContactDetails } from "./repositories/contacts.repository";
export { createCustomField, listCustomFields } from "./repositories/custom-fields.repository";
export {
  type AcceptedRequest,
  type AcceptRequestInput,
  type AcceptRequestOutcome,
  type AcceptRequestResult,
  type AcceptRequestsOptions,
  acceptRequest,
  acceptRequests,
  findRequest,
  findRequestForOrg,
  findRequestsOwedEnrichment,
  findUnfinishedRequests,
  type IntakeRecord,
  type JobStage,
  type JobStatus,
  purgeFinishedRequests,
} from "./repositories/intake.repository";
export {
  type CreatedOrganization,
  createOrganization,
  findOrganization,
  type OrganizationRecord,
} from "./repositories/organizations.repository";
export { createTag, listTags } from "./repositories/tags.repository";
export {
  findNextUnwrittenRequests,
  findRunnableWaitingRequests,
  hasEarlierUnwrittenRequest,
  insertAccount,
  loadAccountByDomainForUpdate,
  loadAccountForUpdate,
  loadContactForUpdate,
  loadUpsertSnapshot,
  lockIdentityKeys,
  lockIntakeRequest,
  lockUnwrittenRequest,
  markContactEnrichmentPending,
  markRequestRunning,
  recordEnrichmentFinished,
  recordRequestFailed,
  recordRequestWaiting,
  recordRequestWritten,
  runInTransaction,
  saveAccountEnrichment,
  saveContact,
  saveContactEnrichment,
  type Tx,
  toAccountRecord,
  toContactRecord,
  updateAccount,
} from "./repositories/upsert.repository";
