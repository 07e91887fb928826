export {
  type BuiltinProviderOptions,
  createBuiltinProvider,
  deriveCompanyEnrichment,
  derivePersonEnrichment,
} from "./builtin-provider";
export {
  type CallOptions,
  type CompanyEnrichment,
  EnrichmentError,
  type EnrichmentProvider,
  type PersonEnrichment,
  type PersonQuery,
} from "./provider";
