// Secrets at rest: webhook signing secrets, Stripe keys, update-link signing keys and customer
// channel settings are sealed before they are written and opened when read, by the repositories
// that own those columns. Envelope encryption with node:crypto: each value gets its own random
// data key (AES-256-GCM), and that data key is wrapped with the deployment's key-encryption key
// (DUNNER_SECRETS_KEY, AES-256-GCM as well). The stored text names the key that wrapped it, so a
// rotation can read with the previous key while everything is re-wrapped under the new one.
//
//   enc:v1:<key id>:<wrapped data key>:<iv>:<ciphertext>:<tag>   (base64url parts)
//
// Without a key, values are stored as they are (test-mode deployments and the demo only: `serve`
// refuses to start for live merchants without one) and read back as they are.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export const SEALED_PREFIX = 'enc:v1:';

/** A 32-byte key-encryption key and its id (first 8 hex digits of its SHA-256). */
export type SecretsKey = { readonly id: string; readonly key: Buffer };

export type Keyring = {
  /** Seals new values; null stores them as they are. */
  readonly current: SecretsKey | null;
  /** Still opens values sealed with them (during a rotation). */
  readonly previous: readonly SecretsKey[];
};

export class SecretsKeyError extends Error {
  override name = 'SecretsKeyError';
}

export const NO_KEYS: Keyring = { current: null, previous: [] };

/** A key from its configured text: base64 (44 characters) or hex (64), 32 bytes either way. */
export function parseSecretsKey(text: string): SecretsKey | null {
  const raw = text.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(raw)) key = Buffer.from(raw, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(raw)) key = Buffer.from(raw, 'base64');
  if (key === null || key.length !== 32) return null;
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

const b64 = (b: Buffer) => b.toString('base64url');

function encrypt(key: Buffer, plain: Buffer): { iv: Buffer; data: Buffer; tag: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { iv, data, tag: cipher.getAuthTag() };
}

function decrypt(key: Buffer, iv: Buffer, data: Buffer, tag: Buffer, aad: Buffer): Buffer {
  // A full 16-byte tag only: GCM would otherwise accept a shortened one, easier to forge.
  if (tag.length !== 16) throw new SecretsKeyError('a stored secret has a shortened tag');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(data), decipher.final()]);
}

export const isSealed = (stored: string): boolean => stored.startsWith(SEALED_PREFIX);

/** The id of the key a stored value is sealed with, or null when it is stored as it is. */
export function sealedWith(stored: string): string | null {
  return isSealed(stored) ? (stored.slice(SEALED_PREFIX.length).split(':')[0] ?? null) : null;
}

/** Seals `plain` under the ring's current key (as it is, without one). */
export function sealWith(ring: Keyring, plain: string): string {
  const kek = ring.current;
  if (kek === null) return plain;
  const dataKey = randomBytes(32);
  const wrapped = encrypt(kek.key, dataKey);
  // The header is authenticated with the value: a value cannot be moved under another key id.
  const header = Buffer.from(`${SEALED_PREFIX}${kek.id}`);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', dataKey, iv);
  c.setAAD(header);
  const data = Buffer.concat([c.update(Buffer.from(plain, 'utf8')), c.final()]);
  const tag = c.getAuthTag();
  const wrappedKey = Buffer.concat([wrapped.iv, wrapped.data, wrapped.tag]);
  return `${SEALED_PREFIX}${kek.id}:${b64(wrappedKey)}:${b64(iv)}:${b64(data)}:${b64(tag)}`;
}

/** Opens a stored value: sealed with the current or a previous key, or stored as it is. */
export function openWith(ring: Keyring, stored: string): string {
  if (!isSealed(stored)) return stored;
  const [id, wrappedKey, iv, data, tag] = stored.slice(SEALED_PREFIX.length).split(':');
  if (!id || !wrappedKey || !iv || !data || !tag)
    throw new SecretsKeyError('a stored secret is damaged: it is not enc:v1:<key>:<parts>');
  const kek = [ring.current, ...ring.previous].find((k) => k?.id === id);
  if (!kek)
    throw new SecretsKeyError(
      `a stored secret is sealed with key ${id}, which is neither DUNNER_SECRETS_KEY` +
        `${ring.current ? ` (${ring.current.id})` : ' (not set)'} nor one of DUNNER_SECRETS_KEY_PREVIOUS`,
    );
  try {
    const w = Buffer.from(wrappedKey, 'base64url');
    const dataKey = decrypt(
      kek.key,
      w.subarray(0, 12),
      w.subarray(12, 44),
      w.subarray(44),
      Buffer.alloc(0),
    );
    const header = Buffer.from(`${SEALED_PREFIX}${id}`);
    return decrypt(
      dataKey,
      Buffer.from(iv, 'base64url'),
      Buffer.from(data, 'base64url'),
      Buffer.from(tag, 'base64url'),
      header,
    ).toString('utf8');
  } catch {
    throw new SecretsKeyError(
      `a stored secret sealed with key ${id} does not open: it was altered`,
    );
  }
}

// The deployment's keyring, set once at start-up from the configuration (`useSecretsKeys`), read
// by the repositories that store secrets. One process serves one deployment.
let ring: Keyring = NO_KEYS;

export function useSecretsKeys(next: Keyring): void {
  ring = next;
}

export const secretsKeys = (): Keyring => ring;
export const sealSecret = (plain: string): string => sealWith(ring, plain);
export const openSecret = (stored: string): string => openWith(ring, stored);
