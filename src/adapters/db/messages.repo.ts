// Customer messages: claiming due ones, their rows, their provider attempts and reads for the API.
import { type InsertObject, sql, type UpdateObject } from 'kysely';
import type { Db } from './connect.ts';
import type { Database } from './schema.ts';
import type { ChannelKind, MessageRow, MessageStatus } from './schema-messages.ts';

function leaseUntil(leaseMs: number) {
  return sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval`;
}

export type MessageKey = { merchant_id: string; message_id: string };

/**
 * Queued or deferred messages whose time has come (a test merchant's clock decides) or whose case
 * resolved, oldest first, locked with SKIP LOCKED so concurrent dispatchers never share one.
 */
export async function lockWaitingMessages(
  db: Db,
  o: { limit: number; now: Date; merchantId?: string },
): Promise<MessageKey[]> {
  return db
    .selectFrom('messages as g')
    .innerJoin('merchants as mm', 'mm.merchant_id', 'g.merchant_id')
    .leftJoin('dunning_cases as c', (join) =>
      join.onRef('c.merchant_id', '=', 'g.merchant_id').onRef('c.case_id', '=', 'g.case_id'),
    )
    .select(['g.merchant_id', 'g.message_id'])
    .where('g.status', 'in', ['queued', 'deferred'])
    .where((eb) =>
      eb.or([
        eb.and([
          eb.or([
            eb('g.deferred_until', 'is', null),
            eb('g.deferred_until', '<=', sql<Date>`coalesce(mm.test_clock_at, ${o.now})`),
          ]),
          eb.or([eb('g.retry_at', 'is', null), eb('g.retry_at', '<=', o.now)]),
        ]),
        // A case that resolved cancels its waiting messages now, not when they fall due.
        eb('c.status', 'in', ['recovered', 'stopped']),
        eb.and([eb('c.status', 'in', ['canceled', 'unpaid']), eb('g.step', '<>', 'final')]),
      ]),
    )
    .where((eb) =>
      eb.or([eb('g.lease_until', 'is', null), eb('g.lease_until', '<', sql<Date>`now()`)]),
    )
    .$if(o.merchantId !== undefined, (qb) => qb.where('g.merchant_id', '=', o.merchantId!))
    .orderBy(sql`coalesce(g.deferred_until, g.queued_at)`)
    .limit(o.limit)
    .forUpdate('g')
    .skipLocked()
    .execute();
}

/** Leases these messages to a dispatcher; returns the keys it got (in no particular order). */
export async function leaseMessages(
  db: Db,
  keys: MessageKey[],
  lease: { owner: string; leaseMs: number },
): Promise<MessageKey[]> {
  return db
    .updateTable('messages')
    .set({ lease_owner: lease.owner, lease_until: leaseUntil(lease.leaseMs) })
    .where((eb) =>
      eb(
        eb.refTuple('merchant_id', 'message_id'),
        'in',
        keys.map((d) => eb.tuple(d.merchant_id, d.message_id)),
      ),
    )
    .returning(['merchant_id', 'message_id'])
    .execute();
}

/** Message rows of the outbox that fell due (at each merchant's clock), locked with SKIP LOCKED. */
export async function lockDueMessageOutbox(
  db: Db,
  o: { limit: number; now: Date; merchantId?: string },
) {
  return db
    .selectFrom('outbox as ob')
    .innerJoin('merchants as mm', 'mm.merchant_id', 'ob.merchant_id')
    .select(['ob.merchant_id', 'ob.outbox_id', 'ob.case_id', 'ob.payload', 'ob.available_at'])
    .where('ob.topic', '=', 'message')
    .where('ob.delivered_at', 'is', null)
    .where('ob.canceled_at', 'is', null)
    .where('ob.available_at', '<=', sql<Date>`coalesce(mm.test_clock_at, ${o.now})`)
    .$if(o.merchantId !== undefined, (qb) => qb.where('ob.merchant_id', '=', o.merchantId!))
    .orderBy('ob.available_at')
    .limit(o.limit)
    .forUpdate('ob')
    .skipLocked()
    .execute();
}

/** Marks an outbox row delivered now (database time). */
export async function markOutboxDelivered(
  db: Db,
  merchantId: string,
  outboxId: number,
): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ delivered_at: sql<Date>`now()` })
    .where('merchant_id', '=', merchantId)
    .where('outbox_id', '=', outboxId)
    .execute();
}

export type NewMessage = InsertObject<Database, 'messages'>;

export async function insertMessage(db: Db, row: NewMessage): Promise<void> {
  await db.insertInto('messages').values(row).execute();
}

/** A message taken from the outbox, already leased to the dispatcher that took it. */
export async function insertLeasedMessage(
  db: Db,
  row: Omit<NewMessage, 'lease_owner' | 'lease_until'>,
  lease: { owner: string; leaseMs: number },
): Promise<void> {
  await db
    .insertInto('messages')
    .values({ ...row, lease_owner: lease.owner, lease_until: leaseUntil(lease.leaseMs) })
    .execute();
}

export async function lockMessage(
  db: Db,
  merchantId: string,
  messageId: string,
): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('message_id', '=', messageId)
    .forUpdate()
    .executeTakeFirst();
}

export async function findMessage(
  db: Db,
  merchantId: string,
  messageId: string,
): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('message_id', '=', messageId)
    .executeTakeFirst();
}

/** Writes these columns of a message and its updated_at. */
export async function updateMessage(
  db: Db,
  merchantId: string,
  messageId: string,
  set: UpdateObject<Database, 'messages'>,
): Promise<void> {
  await db
    .updateTable('messages')
    .set({ ...set, updated_at: new Date() })
    .where('merchant_id', '=', merchantId)
    .where('message_id', '=', messageId)
    .execute();
}

/** Counts a new send attempt and holds the message for a whole lease while the provider answers. */
export async function startMessageSend(
  db: Db,
  merchantId: string,
  messageId: string,
  send: { attempt: number; leaseMs: number },
): Promise<void> {
  await updateMessage(db, merchantId, messageId, {
    attempts: send.attempt,
    retry_at: null,
    deferred_until: null,
    lease_until: leaseUntil(send.leaseMs),
  });
}

/** The highest delivery number of an outbox item's messages. */
export async function maxDeliveryOfOutbox(db: Db, merchantId: string, outboxId: number) {
  const row = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.max('delivery').as('delivery'))
    .where('merchant_id', '=', merchantId)
    .where('outbox_id', '=', outboxId)
    .executeTakeFirstOrThrow();
  return row.delivery;
}

/** Channels that bounced or failed for the other deliveries of the same outbox item. */
export async function listRefusedChannelsOfOutbox(
  db: Db,
  m: Pick<MessageRow, 'merchant_id' | 'outbox_id' | 'message_id'>,
): Promise<ChannelKind[]> {
  const rows = await db
    .selectFrom('messages')
    .select('channel')
    .where('merchant_id', '=', m.merchant_id)
    .where('outbox_id', '=', m.outbox_id)
    .where('message_id', '<>', m.message_id)
    .where('status', 'in', ['bounced', 'failed'])
    .execute();
  return rows.map((r) => r.channel);
}

/** The customer's other messages that went out (sent or stored) after `since`. */
export async function listCustomerSendsSince(
  db: Db,
  m: Pick<MessageRow, 'merchant_id' | 'customer_id' | 'outbox_id'>,
  since: Date,
) {
  return db
    .selectFrom('messages')
    .select(['sent_at', 'stored_at'])
    .where('merchant_id', '=', m.merchant_id)
    .where('customer_id', '=', m.customer_id)
    .where('outbox_id', '<>', m.outbox_id)
    .where('status', 'in', ['sent', 'delivered', 'stored'])
    .where((eb) => eb.or([eb('sent_at', '>', since), eb('stored_at', '>', since)]))
    .execute();
}

/**
 * The email message a bounce notice is about, locked: the one `messageId` names (to this
 * address), else the last one sent or delivered to the address.
 */
export async function lockBouncedEmail(
  db: Db,
  merchantId: string,
  address: string,
  messageId: string | null,
): Promise<MessageRow | undefined> {
  const base = db
    .selectFrom('messages')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('channel', '=', 'email')
    .where((eb) => eb(eb.fn('lower', ['to_address']), '=', address));
  if (messageId) {
    const named = await base.where('message_id', '=', messageId).forUpdate().executeTakeFirst();
    if (named) return named;
  }
  return base
    .where('status', 'in', ['sent', 'delivered'])
    .orderBy('sent_at', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
}

// --- provider attempts ---

/** An attempt left open was cut short: its outcome is unknown. */
export async function closeOpenMessageAttempts(
  db: Db,
  merchantId: string,
  messageId: string,
  at: Date,
  error: string,
): Promise<void> {
  await db
    .updateTable('message_attempts')
    .set({ finished_at: at, outcome: 'unknown', error })
    .where('merchant_id', '=', merchantId)
    .where('message_id', '=', messageId)
    .where('finished_at', 'is', null)
    .execute();
}

export async function insertMessageAttempt(
  db: Db,
  row: {
    merchant_id: string;
    message_id: string;
    attempt: number;
    channel: ChannelKind;
    started_at: Date;
  },
): Promise<void> {
  await db.insertInto('message_attempts').values(row).execute();
}

export async function finishMessageAttempt(
  db: Db,
  merchantId: string,
  messageId: string,
  attempt: number,
  result: {
    finished_at: Date;
    outcome: 'accepted' | 'bounced' | 'rejected' | 'failed' | 'unknown';
    provider_id: string | null;
    error: string | null;
  },
): Promise<void> {
  await db
    .updateTable('message_attempts')
    .set(result)
    .where('merchant_id', '=', merchantId)
    .where('message_id', '=', messageId)
    .where('attempt', '=', attempt)
    .execute();
}

export async function listMessageAttempts(db: Db, merchantId: string, messageId: string) {
  return db
    .selectFrom('message_attempts')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('message_id', '=', messageId)
    .orderBy('attempt')
    .execute();
}

// --- reads for the API ---

export async function findMessageCursor(db: Db, merchantId: string, messageId: string) {
  return db
    .selectFrom('messages')
    .select(['queued_at', 'message_id'])
    .where('merchant_id', '=', merchantId)
    .where('message_id', '=', messageId)
    .executeTakeFirst();
}

export type MessageListFilters = {
  merchantId: string;
  caseId?: string;
  customerId?: string;
  status?: MessageStatus;
  channel?: ChannelKind;
};

/** Newest first (queue time, then id), `limit` rows after the cursor. */
export async function listMessagePage(
  db: Db,
  f: MessageListFilters,
  after: { queued_at: Date; message_id: string } | undefined,
  limit: number,
): Promise<MessageRow[]> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('merchant_id', '=', f.merchantId)
    .$if(f.caseId !== undefined, (q) => q.where('case_id', '=', f.caseId!))
    .$if(f.customerId !== undefined, (q) => q.where('customer_id', '=', f.customerId!))
    .$if(f.status !== undefined, (q) => q.where('status', '=', f.status!))
    .$if(f.channel !== undefined, (q) => q.where('channel', '=', f.channel!))
    .$if(after !== undefined, (q) =>
      q.where(sql<boolean>`(queued_at, message_id) < (${after!.queued_at}, ${after!.message_id})`),
    )
    .orderBy('queued_at', 'desc')
    .orderBy('message_id', 'desc')
    .limit(limit)
    .execute();
}
