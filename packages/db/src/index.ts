export { type CreateDbOptions, createDb, type Db, type Pool, type Prisma } from "./create-db";
export { IntakeOutcomeUnknownError, isDatabaseUnavailableError } from "./errors";
export { createIntakeRecorder, type IntakeRecorder, type IntakeRecorderOptions } from "./intake-recorder";
export {
  type DataMigration,
  type DataMigrationReport,
  type DataMigrationResult,
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
export { loadAccountByDomain, writeAccountUpsert } from "./repositories/account-writes.repository";
export { accountExists, findAccountDetails } from "./repositories/accounts.repository";
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
export {
  type AcceptBatchInput,
  type AcceptBatchOutcome,
  type AcceptedBatch,
  acceptBatch,
  type BatchItemRecord,
  type BatchItemStatus,
  type BatchRecord,
  findBatchForOrg,
  finishBatchIfDone,
  finishDoneBatches,
  listBatchItems,
  purgeFinishedBatches,
  type RejectedBatchItem,
} from "./repositories/batches.repository";
export {
  type AccountByIdChange,
  type ContactByIdChange,
  loadAccountById,
  loadContactById,
  writeAccountById,
  writeContactById,
} from "./repositories/by-id-writes.repository";
export {
  type ContactChange,
  type ContactWrite,
  type LoadedUpsertSnapshot,
  loadUpsertSnapshot,
  writeContactUpsert,
  writeReenrichment,
} from "./repositories/contact-writes.repository";
export { contactExists, findContactDetails } from "./repositories/contacts.repository";
export {
  createCustomField,
  deleteCustomField,
  findCustomField,
  listCustomFields,
} from "./repositories/custom-fields.repository";
export {
  applyEnrichment,
  type EnrichmentApplied,
  type EnrichmentWork,
  loadEnrichmentWork,
} from "./repositories/enrichment-writes.repository";
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
  type IntakeRecord,
  type JobStage,
  type JobStatus,
} from "./repositories/intake.repository";
export {
  type Claim,
  claimRequest,
  countBacklogsByOrg,
  findRequestsOwedEnrichment,
  findUnfinishedRequests,
  purgeFinishedRequests,
  recordRequestFailed,
} from "./repositories/intake-lifecycle.repository";
export {
  prefersHashedTagFilter,
  resolvedTagsOf,
  type TagLookupRow,
  tagLookupStatement,
} from "./repositories/list-compiler";
export {
  type ListOptions,
  type ListPage,
  type ListStatement,
  listAccounts,
  listContacts,
  listStatements,
  serialStatementSetting,
} from "./repositories/list-records.repository";
export {
  type CreatedOrganization,
  createOrganization,
  findOrganization,
  itemsRateLimitPerMinuteRange,
  type OrganizationRecord,
  rateLimitPerMinuteRange,
  setOrganizationRateLimit,
  setOrganizationRateLimits,
} from "./repositories/organizations.repository";
export { toAccountRecord, toContactRecord } from "./repositories/prisma-records";
export {
  acquireLease,
  findRunnableWaitingRequests,
  hasEarlierUnwrittenRequest,
  releaseLease,
} from "./repositories/request-ordering.repository";
export { createTag, deleteTag, findTag, listTags, updateTag } from "./repositories/tags.repository";
export {
  claimUnqueuedDeliveries,
  createWebhookEndpoint,
  type DeliveryWork,
  deleteWebhookEndpoint,
  disabledByRequestReason,
  findPendingDeliveries,
  findWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  loadDeliveryWork,
  purgeFinishedDeliveries,
  type QueuedDelivery,
  recordDeliveryAttempt,
  resendWebhookDelivery,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type WebhookDeliveryRecord,
  type WebhookDeliveryStatus,
  type WebhookEndpointChanges,
  type WebhookEndpointRecord,
  type WebhookEndpointStatus,
} from "./repositories/webhooks.repository";
export type { AccountRow, ContactRow } from "./statements/records";
export {
  type OrderedWrite,
  type OrderedWriteOutcome,
  type Queryable,
  runStatement,
} from "./statements/run-statement";
