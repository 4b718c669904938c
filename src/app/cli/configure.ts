// The configuration as every command loads it: checked, and its secrets keys put in use by the
// repositories that store secrets (src/adapters/crypto/secret-box.ts).
import { useSecretsKeys } from '../../adapters/crypto/secret-box.ts';
import { type Config, loadConfig } from '../config.ts';

/** The configuration, with its secrets keys in use by the repositories that store secrets. */
export function configure(): Config {
  const config = loadConfig();
  useSecretsKeys(config.secretsKeys);
  return config;
}

export const LIVE_NEEDS_KEY =
  'DUNNER_SECRETS_KEY is not set: live merchants need it, their signing secrets and Stripe keys are encrypted with it (generate one with `openssl rand -base64 32`; docs/security.md)';
