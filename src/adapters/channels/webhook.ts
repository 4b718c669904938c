// A signed HTTPS webhook for in-app messages: the merchant's app receives the message and shows it
// to the customer. Signed per the Standard Webhooks scheme (https://www.standardwebhooks.com):
// `webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`. `webhook-id` and
// `Idempotency-Key` are the message's dedupe key, identical on every attempt, so the receiver
// shows a message once however often it arrives.
import { createHmac } from 'node:crypto';
import { type HttpOptions, postJson } from './http.ts';
import type { Channel, OutgoingMessage } from './port.ts';

export function createWebhookChannel(options: HttpOptions = {}): Channel<'webhook'> {
  return {
    kind: 'webhook',
    send: (message, destination) => {
      const body = JSON.stringify(webhookBody(message));
      const timestamp = Math.floor(message.sentAt.getTime() / 1000);
      return postJson(
        {
          url: destination.url,
          body,
          headers: {
            'idempotency-key': message.dedupeKey,
            'webhook-id': message.dedupeKey,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signature(destination.secret, message.dedupeKey, timestamp, body),
          },
          policy: { allowLoopback: message.allowLoopback },
        },
        options,
      );
    },
  };
}

export function webhookBody(message: OutgoingMessage) {
  return {
    type: 'customer.message',
    id: message.messageId,
    idempotency_key: message.dedupeKey,
    customer_id: message.meta.customerId,
    case_id: message.meta.caseId,
    subscription_id: message.meta.subscriptionId,
    step: message.meta.step,
    intent: message.meta.intent,
    subject: message.subject,
    text: message.text,
    html: message.html,
    update_url: message.updateUrl,
  };
}

/** A `whsec_`-prefixed secret is base64 (as Standard Webhooks issues them); any other is used as is. */
export function secretBytes(secret: string): Buffer {
  return secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secretBytes(secret))
    .update(`${id}.${timestamp}.${body}`)
    .digest('base64');
  return `v1,${mac}`;
}
