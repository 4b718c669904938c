// Reading API keys: prefixes and dates only. The key itself exists nowhere after its creation.
export {
  type ApiKeyRecord,
  findApiKey as getApiKey,
  listApiKeys,
} from '../../adapters/db/api-keys.repo.ts';
