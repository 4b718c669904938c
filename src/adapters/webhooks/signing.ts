// Standard Webhooks signatures (https://www.standardwebhooks.com, "Signature scheme"): the
// secret is `whsec_` + base64 of random bytes; the HMAC-SHA256 key is those bytes, the signed
// content `${webhook-id}.${webhook-timestamp}.${body}`, and `webhook-signature` lists one
// `v1,<base64>` per active secret, separated by spaces (several during a secret rotation).
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
/** The scheme asks for 24 to 64 bytes; 32 matches the HMAC-SHA256 block strength. */
const SECRET_BYTES = 32;

export function newSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

export function sign(
  secret: string,
  messageId: string,
  timestampSec: number,
  body: string,
): string {
  const mac = createHmac('sha256', keyOf(secret))
    .update(`${messageId}.${timestampSec}.${body}`)
    .digest('base64');
  return `v1,${mac}`;
}

export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** The three headers for one send; `secrets` are the endpoint's active secrets, newest first. */
export function webhookHeaders(
  secrets: readonly string[],
  messageId: string,
  timestampSec: number,
  body: string,
): WebhookHeaders {
  if (secrets.length === 0) throw new Error('an endpoint always has a signing secret');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': secrets.map((s) => sign(s, messageId, timestampSec, body)).join(' '),
  };
}
