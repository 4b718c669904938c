// A customer's channels in order of preference, and where a message to them can go. With no
// channels set, email to the customer's address is the one channel. A message goes to the first
// channel that can reach the customer; a bounce or a refusal falls back to the next one.
import type { Destination } from '../../adapters/channels/port.ts';
import {
  deleteCustomerChannels,
  findEmailSuppression,
  insertCustomerChannel,
  listCustomerChannels,
} from '../../adapters/db/channels.repo.ts';
import type { Db } from '../../adapters/db/connect.ts';
import { findCustomer, lockCustomerId } from '../../adapters/db/customers.repo.ts';
import { findMerchant } from '../../adapters/db/merchants.repo.ts';
import type { ChannelKind, CustomerChannelRow } from '../../adapters/db/schema-messages.ts';
import { CHANNEL_KINDS } from '../../adapters/db/schema-messages.ts';
import type { AddressPolicy } from '../../domain/net/address.ts';
import { checkOutboundUrl } from '../../domain/net/outbound-url.ts';
import type { Mode } from '../access/api-keys.ts';
import { type OutboundConfig, outboundPolicy, refusalReason } from '../outbound-policy.ts';
import { fail, ok, type Result } from '../result.ts';

export type ChannelInput =
  | { type: 'email' }
  | { type: 'slack'; webhook_url: string }
  | { type: 'discord'; webhook_url: string }
  | { type: 'telegram'; chat_id: string | number }
  | { type: 'webhook'; url: string; secret: string };

export type PlannedChannel = {
  channel: ChannelKind;
  /** Where to send; null when this channel cannot reach the customer now (see `problem`). */
  destination: Destination | null;
  problem: string | null;
};

type MerchantSender = {
  name: string;
  from_address: string | null;
  bcc_address: string | null;
  settings: unknown;
};

/** The customer's channels in order, each with its destination or the reason it cannot be used. */
export async function planChannels(
  db: Db,
  input: {
    merchantId: string;
    customerId: string;
    merchant: MerchantSender;
    bcc: boolean;
    fallbackFromDomain: string;
  },
): Promise<PlannedChannel[]> {
  const customer = await findCustomer(db, input.merchantId, input.customerId);
  if (!customer) return [];
  const rows = await channelRows(db, input.merchantId, input.customerId);
  const suppression = await emailSuppression(db, input.merchantId, customer.email);
  const preferences: Pick<CustomerChannelRow, 'channel' | 'config' | 'status' | 'status_reason'>[] =
    rows.length > 0
      ? rows
      : [{ channel: 'email', config: {}, status: 'active', status_reason: null }];
  return preferences.map((row) => {
    if (row.status !== 'active')
      return {
        channel: row.channel,
        destination: null,
        problem: `${row.channel} is undeliverable: ${row.status_reason ?? 'refused'}`,
      };
    if (row.channel === 'email') {
      if (suppression)
        return {
          channel: 'email',
          destination: null,
          problem: `${customer.email} bounced: ${suppression.reason}`,
        };
      return {
        channel: 'email',
        destination: {
          kind: 'email',
          to: customer.email,
          from: senderOf(input.merchant, input.fallbackFromDomain),
          bcc: input.bcc ? input.merchant.bcc_address : null,
        },
        problem: null,
      };
    }
    return destinationOf(row.channel, row.config, input.merchant.settings);
  });
}

function destinationOf(
  channel: Exclude<ChannelKind, 'email'>,
  config: Record<string, unknown>,
  merchantSettings: unknown,
): PlannedChannel {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  switch (channel) {
    case 'slack':
    case 'discord': {
      const webhookUrl = str(config.webhook_url);
      return webhookUrl
        ? { channel, destination: { kind: channel, webhookUrl }, problem: null }
        : { channel, destination: null, problem: `${channel} has no webhook_url` };
    }
    case 'telegram': {
      const chatId = str(config.chat_id);
      const botToken = str(
        (merchantSettings as { telegram_bot_token?: unknown } | null)?.telegram_bot_token,
      );
      if (!chatId) return { channel, destination: null, problem: 'telegram has no chat_id' };
      if (!botToken)
        return {
          channel,
          destination: null,
          problem: 'the merchant has no Telegram bot token (settings.telegram_bot_token)',
        };
      return { channel, destination: { kind: 'telegram', chatId, botToken }, problem: null };
    }
    case 'webhook': {
      const url = str(config.url);
      const secret = str(config.secret);
      return url && secret
        ? { channel, destination: { kind: 'webhook', url, secret }, problem: null }
        : { channel, destination: null, problem: 'webhook has no url or secret' };
    }
    default: {
      const unreachable: never = channel;
      return unreachable;
    }
  }
}

/** "Shop <billing@shop.example>": the merchant's from address, named after the merchant. */
export function senderOf(merchant: MerchantSender, fallbackDomain: string): string {
  const address = merchant.from_address ?? `no-reply@${fallbackDomain}`;
  if (address.includes('<')) return address;
  const name = merchant.name.replace(/["\\\r\n]/g, '');
  return `"${name}" <${address}>`;
}

export async function channelRows(
  db: Db,
  merchantId: string,
  customerId: string,
): Promise<CustomerChannelRow[]> {
  return listCustomerChannels(db, merchantId, customerId);
}

export async function emailSuppression(db: Db, merchantId: string, email: string) {
  return findEmailSuppression(db, merchantId, email);
}

// --- reading and replacing a customer's channels (GET/PUT /v1/customers/:id/channels) ----------

export type CustomerChannelsView = {
  customerId: string;
  email: string;
  emailStatus: 'deliverable' | 'undeliverable';
  emailUndeliverableReason: string | null;
  /** False when the customer has no channels set and email is used by default. */
  custom: boolean;
  channels: Pick<
    CustomerChannelRow,
    'channel' | 'position' | 'config' | 'status' | 'status_reason' | 'status_changed_at'
  >[];
};

export async function getCustomerChannels(
  db: Db,
  merchantId: string,
  customerId: string,
): Promise<Result<CustomerChannelsView>> {
  const customer = await findCustomer(db, merchantId, customerId);
  if (!customer) return fail('not_found', `no customer ${customerId}`, 'id');
  const rows = await channelRows(db, merchantId, customerId);
  const suppression = await emailSuppression(db, merchantId, customer.email);
  return ok({
    customerId,
    email: customer.email,
    emailStatus: suppression ? 'undeliverable' : 'deliverable',
    emailUndeliverableReason: suppression?.reason ?? null,
    custom: rows.length > 0,
    channels:
      rows.length > 0
        ? rows
        : [
            {
              channel: 'email',
              position: 0,
              config: {},
              status: 'active',
              status_reason: null,
              status_changed_at: null,
            },
          ],
  });
}

/**
 * Replaces the customer's channels; the order given is the order of preference. `config` decides
 * whether a test-mode merchant may point a channel at this machine (outbound-policy.ts).
 */
export async function setCustomerChannels(
  db: Db,
  merchantId: string,
  customerId: string,
  channels: ChannelInput[],
  config: OutboundConfig | undefined,
): Promise<Result<CustomerChannelsView>> {
  const mode = await findMerchant(db, merchantId).then((m) => m?.mode);
  if (!mode) return fail('not_found', `no merchant ${merchantId}`, null);
  const urls = { mode, config, policy: outboundPolicy(config, mode) };
  const seen = new Set<string>();
  for (const [i, c] of channels.entries()) {
    if (!CHANNEL_KINDS.includes(c.type))
      return fail('invalid_field', `unknown channel type ${c.type}`, `channels[${i}].type`);
    if (seen.has(c.type))
      return fail('invalid_field', `${c.type} is listed twice`, `channels[${i}].type`);
    seen.add(c.type);
    const problem = configProblem(c, urls);
    if (problem) return fail('invalid_field', problem.message, `channels[${i}].${problem.field}`);
  }
  const found = await db.transaction().execute(async (trx) => {
    if (!(await lockCustomerId(trx, merchantId, customerId))) return false;
    const before = await channelRows(trx, merchantId, customerId);
    await deleteCustomerChannels(trx, merchantId, customerId);
    for (const [position, c] of channels.entries()) {
      const old = before.find((b) => b.channel === c.type);
      const config = configOf(c);
      // A channel keeps its undeliverable mark unless its destination changed.
      const keepStatus = old && JSON.stringify(old.config) === JSON.stringify(config);
      await insertCustomerChannel(trx, {
        merchant_id: merchantId,
        customer_id: customerId,
        channel: c.type,
        position,
        config: JSON.stringify(config),
        status: keepStatus ? old.status : 'active',
        status_reason: keepStatus ? old.status_reason : null,
        status_changed_at: keepStatus ? old.status_changed_at : null,
      });
    }
    return true;
  });
  if (!found) return fail('not_found', `no customer ${customerId}`, 'id');
  return getCustomerChannels(db, merchantId, customerId);
}

function configOf(c: ChannelInput): Record<string, unknown> {
  switch (c.type) {
    case 'email':
      return {};
    case 'slack':
    case 'discord':
      return { webhook_url: c.webhook_url };
    case 'telegram':
      return { chat_id: String(c.chat_id) };
    case 'webhook':
      return { url: c.url, secret: c.secret };
    default: {
      const unreachable: never = c;
      return unreachable;
    }
  }
}

type UrlRules = { mode: Mode; config: OutboundConfig | undefined; policy: AddressPolicy };

function configProblem(c: ChannelInput, urls: UrlRules): { field: string; message: string } | null {
  switch (c.type) {
    case 'email':
      return null;
    case 'slack':
    case 'discord':
      return urlProblem(c.webhook_url, 'webhook_url', urls);
    case 'telegram':
      return /^-?\d{1,20}$|^@[A-Za-z0-9_]{5,32}$/.test(String(c.chat_id))
        ? null
        : {
            field: 'chat_id',
            message: 'chat_id must be a Telegram chat id (digits) or @channelname',
          };
    case 'webhook':
      return (
        urlProblem(c.url, 'url', urls) ??
        (typeof c.secret === 'string' && c.secret.length >= 16
          ? null
          : {
              field: 'secret',
              message: 'secret must be at least 16 characters (whsec_… or any text)',
            })
      );
    default: {
      const unreachable: never = c;
      return unreachable;
    }
  }
}

/** HTTPS to a public host; this machine only where the rules allow it (domain/net). */
function urlProblem(
  value: unknown,
  field: string,
  urls: UrlRules,
): { field: string; message: string } | null {
  const checked = checkOutboundUrl(String(value), urls.policy, field);
  return checked.ok ? null : { field, message: refusalReason(checked, urls.mode, urls.config) };
}

/** Channel rows and the webhook secret are not shown back; a Slack or Discord URL is itself a secret. */
export function presentChannelConfig(
  channel: ChannelKind,
  config: Record<string, unknown>,
): Record<string, unknown> {
  switch (channel) {
    case 'email':
      return {};
    case 'slack':
    case 'discord':
      return { webhook_url: maskUrl(String(config.webhook_url ?? '')) };
    case 'telegram':
      return { chat_id: config.chat_id ?? null };
    case 'webhook':
      return { url: config.url ?? null, secret_set: typeof config.secret === 'string' };
    default: {
      const unreachable: never = channel;
      return unreachable;
    }
  }
}

function maskUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}/…`;
  } catch {
    return '…';
  }
}
