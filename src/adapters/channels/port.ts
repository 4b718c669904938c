// One interface for every way a message reaches a customer: email (SMTP), Slack and Discord
// incoming webhooks, the Telegram bot API and a signed HTTPS webhook for in-app messages.
// An adapter reports what the provider said; the dispatcher decides what that means for the case.
import type { ChannelKind } from '../db/schema-messages.ts';

export type { ChannelKind } from '../db/schema-messages.ts';

export type OutgoingMessage = {
  messageId: string;
  /** Identical on every attempt of this message: the email's Message-ID, the webhook's idempotency key. */
  dedupeKey: string;
  subject: string;
  text: string;
  html: string;
  updateUrl: string | null;
  /** Wall-clock time of this attempt (signature timestamps). */
  sentAt: Date;
  /** The URL may be on this machine: a test-mode merchant where the deployment allows it. */
  allowLoopback: boolean;
  meta: {
    merchantId: string;
    customerId: string;
    caseId: string | null;
    subscriptionId: string | null;
    step: string;
    intent: string;
  };
};

export type Destination =
  | { kind: 'email'; to: string; from: string; bcc: string | null }
  | { kind: 'slack'; webhookUrl: string }
  | { kind: 'discord'; webhookUrl: string }
  | { kind: 'telegram'; chatId: string; botToken: string }
  | { kind: 'webhook'; url: string; secret: string };

export type SendOutcome =
  /** The provider took the message. */
  | { kind: 'accepted'; providerId: string | null }
  /** The address does not exist or refuses mail: it is undeliverable from now on. */
  | { kind: 'bounced'; reason: string; statusCode: string | null }
  /** Refused for good; `gone` when the destination itself no longer exists (404/410). */
  | { kind: 'rejected'; reason: string; gone: boolean }
  /** Might work later (timeout, 5xx, 429, connection refused): retried with backoff. */
  | { kind: 'failed'; reason: string };

export interface Channel<K extends ChannelKind = ChannelKind> {
  readonly kind: K;
  send(
    message: OutgoingMessage,
    destination: Extract<Destination, { kind: K }>,
  ): Promise<SendOutcome>;
  close?(): void;
}

/** The channels a dispatcher can use; `email: null` means no SMTP server: emails are stored. */
export type ChannelSet = {
  email: Channel<'email'> | null;
  slack: Channel<'slack'>;
  discord: Channel<'discord'>;
  telegram: Channel<'telegram'>;
  webhook: Channel<'webhook'>;
};
