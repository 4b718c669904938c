// A customer's message channels, in order, and the email addresses that bounced.
import { openSecret, sealSecret } from '../crypto/secret-box.ts';
import type { Db } from './connect.ts';
import type { ChannelKind, CustomerChannelRow } from './schema-messages.ts';

export async function listCustomerChannels(
  db: Db,
  merchantId: string,
  customerId: string,
): Promise<CustomerChannelRow[]> {
  const rows = await db
    .selectFrom('customer_channels')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('customer_id', '=', customerId)
    .orderBy('position')
    .execute();
  // A channel's settings (a chat webhook URL, a signing secret) are sealed at rest.
  return rows.map((r) => ({ ...r, config: openedConfig(r.config) }));
}

export async function deleteCustomerChannels(
  db: Db,
  merchantId: string,
  customerId: string,
): Promise<void> {
  await db
    .deleteFrom('customer_channels')
    .where('merchant_id', '=', merchantId)
    .where('customer_id', '=', customerId)
    .execute();
}

export async function insertCustomerChannel(
  db: Db,
  row: {
    merchant_id: string;
    customer_id: string;
    channel: ChannelKind;
    position: number;
    config: string;
    status: CustomerChannelRow['status'];
    status_reason: string | null;
    status_changed_at: Date | null;
  },
): Promise<void> {
  await db
    .insertInto('customer_channels')
    .values({ ...row, config: sealedConfig(row.config) })
    .execute();
}

/** Marks an active channel undeliverable; false when it was not active. */
export async function markCustomerChannelUndeliverable(
  db: Db,
  key: { merchantId: string; customerId: string; channel: ChannelKind },
  reason: string,
  at: Date,
): Promise<boolean> {
  const changed = await db
    .updateTable('customer_channels')
    .set({
      status: 'undeliverable',
      status_reason: reason,
      status_changed_at: at,
      updated_at: new Date(),
    })
    .where('merchant_id', '=', key.merchantId)
    .where('customer_id', '=', key.customerId)
    .where('channel', '=', key.channel)
    .where('status', '=', 'active')
    .returning('channel')
    .executeTakeFirst();
  return changed !== undefined;
}

/** The suppression of this address (compared trimmed and lowercased), if it bounced. */
export async function findEmailSuppression(db: Db, merchantId: string, email: string) {
  return db
    .selectFrom('email_suppressions')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('address', '=', email.trim().toLowerCase())
    .executeTakeFirst();
}

/** Suppresses an address; false when it was suppressed already. */
export async function insertEmailSuppression(
  db: Db,
  row: {
    merchant_id: string;
    address: string;
    reason: string;
    status_code: string | null;
    source: 'smtp' | 'dsn' | 'api';
    message_id: string | null;
    suppressed_at: Date;
  },
): Promise<boolean> {
  const inserted = await db
    .insertInto('email_suppressions')
    .values(row)
    .onConflict((oc) => oc.columns(['merchant_id', 'address']).doNothing())
    .returning('address')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** A channel's settings as stored: `{ "sealed": "enc:v1:…" }` when a secrets key is set. */
function sealedConfig(configJson: string): string {
  const sealed = sealSecret(configJson);
  return sealed === configJson ? configJson : JSON.stringify({ sealed });
}

function openedConfig(stored: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(stored);
  if (keys.length !== 1 || keys[0] !== 'sealed' || typeof stored.sealed !== 'string') return stored;
  return JSON.parse(openSecret(stored.sealed)) as Record<string, unknown>;
}
