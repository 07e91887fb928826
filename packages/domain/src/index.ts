export {
  type AccountDetails,
  type AccountEnrichmentView,
  type AccountResponse,
  type CompanyInfoView,
  toAccountResponse,
} from "./accounts/account-response";
export {
  type ParsePatchAccountRequestResult,
  type ParseUpsertAccountRequestResult,
  type PatchAccountPayload,
  parsePatchAccountRequest,
  parseUpsertAccountRequest,
  patchAccountRequestSchema,
  type UpsertAccountPayload,
  upsertAccountRequestSchema,
} from "./accounts/parse-upsert-account-request";
export { type AccountUpsertPlan, planAccountUpsert } from "./accounts/plan-account-upsert";
export {
  apiKeyDisplayPrefix,
  generateApiKeySecret,
  hashApiKeySecret,
  isWellFormedApiKey,
  redactApiKeySecrets,
} from "./auth/api-key";
export {
  type BatchItemCounts,
  type BatchStatus,
  batchStatusOf,
  isBatchFinished,
} from "./batches/batch-status";
export {
  type BatchItemStatusFilter,
  type BatchItemsQuery,
  batchItemStatuses,
  parseBatchItemsQuery,
} from "./batches/parse-batch-items-query";
export {
  batchPayloadHash,
  type ParseBatchRequestResult,
  type ParsedBatchRequest,
  parseBatchRequest,
} from "./batches/parse-batch-request";
export {
  type ApplyUpsertsOptions,
  applyEnrichmentToState,
  applyUpsertsSerially,
  applyUpsertToState,
  createOrgState,
  type EnrichmentAnswer,
  type EnrichmentTarget,
  enrichmentTargetOf,
  type IdKind,
  type InitialOrgState,
  type OrgState,
  type SerialResult,
  selectSnapshot,
  type UpsertOutcome,
} from "./contacts/apply-upserts-serially";
export {
  type AccountRecord,
  type ContactRecord,
  type CustomFieldDefinition,
  type CustomFieldType,
  canEnrichmentFill,
  canRequestWrite,
  type EnrichmentStatus,
  type FieldProvenance,
  type FieldProvenanceEntry,
  type ProvenanceSource,
  sortRecordKeys,
  type TagRecord,
} from "./contacts/contact-record";
export {
  type ContactDetails,
  type ContactEnrichmentView,
  type ContactResponse,
  toContactResponse,
} from "./contacts/contact-response";
export {
  accountDomainOfEmail,
  accountIdKeyOf,
  accountUpsertKeysOf,
  contactIdKeyOf,
  domainKeyOf,
  emailKeyOf,
  identityKeysOf,
  identityKeysOfContact,
  linkedinKeyOf,
  orderingKeysOf,
} from "./contacts/identity-keys";
export {
  type CompanyEnrichmentValues,
  type ContactEnrichmentValues,
  type EnrichmentContext,
  markEnrichmentNotApplied,
  mergeAccountEnrichment,
  mergeContactEnrichment,
} from "./contacts/merge-enrichment";
export {
  idempotencyKeySchema,
  type ParsedUpsertContactRequest,
  type ParseUpsertContactRequestOptions,
  type ParseUpsertContactRequestResult,
  parsePatchContactRequest,
  parseUpsertContactRequest,
  patchContactRequestSchema,
  upsertContactRequestLimits,
  upsertContactRequestSchema,
} from "./contacts/parse-upsert-contact-request";
export { payloadHash, toCanonicalJson } from "./contacts/payload-hash";
export {
  type AccountResolution,
  type ContactPatchPlan,
  isIsoDateOrDateTime,
  type MatchedBy,
  type PlanAccount,
  type PlanError,
  type PlanIssue,
  type PlanIssueReason,
  planContactPatch,
  planUpsert,
  type SnapshotLookups,
  selectSnapshotLookups,
  type UpsertAction,
  type UpsertIds,
  type UpsertPlan,
  type UpsertRequest,
  type UpsertResult,
  type UpsertSnapshot,
} from "./contacts/plan-upsert";
export {
  type ContactScalarField,
  type CustomFieldValue,
  contactScalarFields,
  type UpsertContactPayload,
} from "./contacts/upsert-payload";
export {
  type EnumValueOption,
  type FieldSchema,
  type FieldSchemaType,
  type FilterCondition,
  listContactFieldSchemas,
  listFieldSchemas,
} from "./custom-fields/contact-field-schemas";
export {
  type CreateCustomFieldRequest,
  type CustomFieldEntity,
  createCustomFieldRequestSchema,
  customFieldEntities,
  customFieldLimits,
  customFieldTypes,
  type ListCustomFieldsQuery,
  listCustomFieldsQuerySchema,
  parseCreateCustomFieldRequest,
  parseListCustomFieldsQuery,
} from "./custom-fields/create-custom-field-request";
export {
  type CustomFieldDetails,
  type CustomFieldResponse,
  customFieldKeyOf,
  toCustomFieldResponse,
} from "./custom-fields/custom-field-response";
export {
  DomainError,
  type DomainErrorCode,
  type DomainErrorDetails,
  type DomainErrorOptions,
  domainErrorCodes,
  isDomainError,
  type ValidationDetail,
} from "./errors/domain-error";
export { formatIssuePath, invalidRequestError, validationDetailsOf } from "./errors/validation-error";
export {
  accountUpsertJobResult,
  contactPatchJobResult,
  contactUpsertJobResult,
  deletedJobResult,
  type EnrichmentOutcome,
  enrichmentOutcomeSchema,
  type JobResult,
  jobResultSchema,
  withEnrichmentOutcome,
} from "./jobs/job-result";
export {
  filterConditions,
  type ListEntity,
  type ListField,
  type ListValueKind,
  listEntities,
  listFieldsOf,
} from "./lists/list-fields";
export {
  type FilterNode,
  type FilterValue,
  type ListQuery,
  type ListSort,
  listRequestLimits,
  maxListPage,
  parseListRequest,
} from "./lists/parse-list-request";
export { normaliseDomain, normaliseHostname } from "./normalise/domain";
export { emailDomainOf, isValidEmail, normaliseEmail } from "./normalise/email";
export { isFreeMailDomain } from "./normalise/free-mail";
export { canonicaliseLinkedinUrl } from "./normalise/linkedin-url";
export { type CountryCode, isSupportedPhoneRegion, normalisePhoneNumber } from "./normalise/phone-number";
export {
  type CreateTagRequest,
  createTagRequestSchema,
  type DisplayColor,
  displayColors,
  type ListTagsQuery,
  listTagsQuerySchema,
  normaliseTagName,
  parseCreateTagRequest,
  parseListTagsQuery,
  parseUpdateTagRequest,
  type TagObject,
  tagNameMaxLength,
  tagObjects,
  type UpdateTagRequest,
  updateTagRequestSchema,
} from "./tags/create-tag-request";
export { type TagDetails, type TagResponse, toTagResponse } from "./tags/tag-response";
export {
  type CreateWebhookRequest,
  createWebhookRequestSchema,
  type ListWebhookDeliveriesQuery,
  listWebhookDeliveriesQuerySchema,
  parseCreateWebhookRequest,
  parseListWebhookDeliveriesQuery,
  parseUpdateWebhookRequest,
  type UpdateWebhookRequest,
  updateWebhookRequestSchema,
  type WebhookEventType,
  webhookDeliveryStatuses,
  webhookEventTypes,
  webhookSecretOverlapMs,
  webhookUrlMaxLength,
} from "./webhooks/webhook-request";
