import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  isSealed,
  type Keyring,
  NO_KEYS,
  openWith,
  parseSecretsKey,
  SecretsKeyError,
  sealedWith,
  sealWith,
} from './secret-box.ts';

const keyA = parseSecretsKey(randomBytes(32).toString('base64'))!;
const keyB = parseSecretsKey(randomBytes(32).toString('hex'))!;
const ringA: Keyring = { current: keyA, previous: [] };
const secret = 'whsec_c2VjcmV0IG9mIGFuIGVuZHBvaW50';

describe('parseSecretsKey', () => {
  it('takes 32 bytes as base64 or hex, and nothing else', () => {
    expect(keyA.key).toHaveLength(32);
    expect(keyA.id).toMatch(/^[0-9a-f]{8}$/);
    expect(parseSecretsKey(randomBytes(32).toString('base64url'))).not.toBeNull();
    expect(parseSecretsKey(randomBytes(16).toString('base64'))).toBeNull();
    expect(parseSecretsKey(randomBytes(31).toString('hex'))).toBeNull();
    expect(parseSecretsKey('correct horse battery staple')).toBeNull();
  });
});

describe('sealWith and openWith', () => {
  it('seals a value so that its text appears nowhere, and opens it again', () => {
    const sealed = sealWith(ringA, secret);
    expect(isSealed(sealed)).toBe(true);
    expect(sealedWith(sealed)).toBe(keyA.id);
    expect(sealed).not.toContain(secret);
    expect(sealed).not.toContain(Buffer.from(secret).toString('base64url'));
    expect(openWith(ringA, sealed)).toBe(secret);
  });

  it('gives the same value a different text each time (its own data key and iv)', () => {
    expect(sealWith(ringA, secret)).not.toBe(sealWith(ringA, secret));
  });

  it('without a key stores the value as it is, and reads such values with any ring', () => {
    expect(sealWith(NO_KEYS, secret)).toBe(secret);
    expect(openWith(ringA, secret)).toBe(secret);
  });

  it('opens with a previous key during a rotation', () => {
    const sealed = sealWith(ringA, secret);
    expect(openWith({ current: keyB, previous: [keyA] }, sealed)).toBe(secret);
  });

  it('names the key it needs when the ring does not hold it', () => {
    const sealed = sealWith(ringA, secret);
    expect(() => openWith({ current: keyB, previous: [] }, sealed)).toThrow(SecretsKeyError);
    expect(() => openWith({ current: keyB, previous: [] }, sealed)).toThrow(
      `sealed with key ${keyA.id}, which is neither DUNNER_SECRETS_KEY (${keyB.id})`,
    );
    expect(() => openWith(NO_KEYS, sealed)).toThrow('DUNNER_SECRETS_KEY (not set)');
  });

  it('refuses a value that was altered or moved under another key id', () => {
    const sealed = sealWith(ringA, secret);
    const parts = sealed.split(':');
    const data = Buffer.from(parts[5]!, 'base64url');
    data[0] = data[0]! ^ 1;
    parts[5] = data.toString('base64url');
    expect(() => openWith(ringA, parts.join(':'))).toThrow('does not open: it was altered');
    const short = sealed.split(':');
    short[6] = Buffer.from(short[6]!, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => openWith(ringA, short.join(':'))).toThrow(SecretsKeyError);
    const moved = sealed.replace(keyA.id, keyB.id);
    expect(() => openWith({ current: keyB, previous: [keyA] }, moved)).toThrow(SecretsKeyError);
  });
});
