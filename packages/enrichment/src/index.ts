export { type ApolloOptions, createApolloProvider } from "./apollo-provider";
export {
  type BuiltinProviderOptions,
  createBuiltinProvider,
  deriveCompanyEnrichment,
  derivePersonEnrichment,
} from "./builtin-provider";
export { parseRetryAfter } from "./http";
export { createPeopleDataLabsProvider, type PeopleDataLabsOptions } from "./people-data-labs-provider";
export {
  type CallOptions,
  type CompanyEnrichment,
  EnrichmentError,
  type EnrichmentProvider,
  type PersonEnrichment,
  type PersonQuery,
  QuotaExceededError,
} from "./provider";
export {
  type BreakerState,
  type ProviderStats,
  type ResilienceOptions,
  type ResilientProvider,
  withResilience,
} from "./resilience";
export { createWebhookProvider, type WebhookOptions } from "./webhook-provider";
