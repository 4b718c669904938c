// Webhook endpoints, their deliveries and each delivery's attempts.
import { type InsertObject, sql, type UpdateObject } from 'kysely';
import { openSecret, sealSecret } from '../crypto/secret-box.ts';
import type { Db } from './connect.ts';
import type { Database } from './schema.ts';
import type {
  WebhookDeliveryAttemptRow,
  WebhookDeliveryRow,
  WebhookEndpointRow,
} from './schema-webhooks.ts';

// --- endpoints ---
// Signing secrets are sealed when written and opened when read (../crypto/secret-box.ts).

function opened(row: WebhookEndpointRow): WebhookEndpointRow {
  return {
    ...row,
    secret: openSecret(row.secret),
    previous_secret: row.previous_secret === null ? null : openSecret(row.previous_secret),
  };
}
const openedAll = (rows: WebhookEndpointRow[]) => rows.map(opened);
const openedMaybe = (row: WebhookEndpointRow | undefined) => (row ? opened(row) : undefined);

function sealed<T extends { secret?: unknown; previous_secret?: unknown }>(set: T): T {
  return {
    ...set,
    ...(typeof set.secret === 'string' ? { secret: sealSecret(set.secret) } : {}),
    ...(typeof set.previous_secret === 'string'
      ? { previous_secret: sealSecret(set.previous_secret) }
      : {}),
  };
}

export async function findWebhookEndpoint(
  db: Db,
  merchantId: string,
  endpointId: string,
): Promise<WebhookEndpointRow | undefined> {
  return openedMaybe(
    await db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('endpoint_id', '=', endpointId)
      .executeTakeFirst(),
  );
}

export async function getWebhookEndpointRow(
  db: Db,
  merchantId: string,
  endpointId: string,
): Promise<WebhookEndpointRow> {
  return opened(
    await db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('endpoint_id', '=', endpointId)
      .executeTakeFirstOrThrow(),
  );
}

export async function lockWebhookEndpoint(
  db: Db,
  merchantId: string,
  endpointId: string,
): Promise<WebhookEndpointRow | undefined> {
  return openedMaybe(
    await db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('endpoint_id', '=', endpointId)
      .forUpdate()
      .executeTakeFirst(),
  );
}

export async function countWebhookEndpoints(db: Db, merchantId: string): Promise<number> {
  const { count } = await db
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
  return Number(count);
}

export async function insertWebhookEndpoint(
  db: Db,
  row: InsertObject<Database, 'webhook_endpoints'>,
): Promise<WebhookEndpointRow> {
  return opened(
    await db
      .insertInto('webhook_endpoints')
      .values(sealed(row))
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

export async function findWebhookEndpointCursor(db: Db, merchantId: string, endpointId: string) {
  return db
    .selectFrom('webhook_endpoints')
    .select(['created_at', 'endpoint_id'])
    .where('merchant_id', '=', merchantId)
    .where('endpoint_id', '=', endpointId)
    .executeTakeFirst();
}

/** Newest first, `limit` rows after the cursor endpoint. */
export async function listWebhookEndpointPage(
  db: Db,
  merchantId: string,
  cursor: { created_at: Date; endpoint_id: string } | undefined,
  limit: number,
): Promise<WebhookEndpointRow[]> {
  return openedAll(
    await db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .$if(cursor !== undefined, (qb) =>
        qb.where((eb) =>
          eb(
            eb.refTuple('created_at', 'endpoint_id'),
            '<',
            eb.tuple(cursor!.created_at, cursor!.endpoint_id),
          ),
        ),
      )
      .orderBy('created_at', 'desc')
      .orderBy('endpoint_id', 'desc')
      .limit(limit)
      .execute(),
  );
}

/** The enabled endpoints of these merchants, oldest first. */
export async function listEnabledEndpointsOfMerchants(
  db: Db,
  merchantIds: string[],
): Promise<WebhookEndpointRow[]> {
  return openedAll(
    await db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('merchant_id', 'in', merchantIds)
      .where('status', '=', 'enabled')
      .orderBy('created_at')
      .execute(),
  );
}

export async function listEndpointsByKeys(
  db: Db,
  keys: { merchant_id: string; endpoint_id: string }[],
): Promise<WebhookEndpointRow[]> {
  return openedAll(
    await db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where((eb) =>
        eb(
          eb.refTuple('merchant_id', 'endpoint_id'),
          'in',
          keys.map((d) => eb.tuple(d.merchant_id, d.endpoint_id)),
        ),
      )
      .execute(),
  );
}

export async function setWebhookEndpointColumns(
  db: Db,
  merchantId: string,
  endpointId: string,
  set: UpdateObject<Database, 'webhook_endpoints'>,
): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set(sealed(set))
    .where('merchant_id', '=', merchantId)
    .where('endpoint_id', '=', endpointId)
    .execute();
}

export async function updateWebhookEndpointReturning(
  db: Db,
  merchantId: string,
  endpointId: string,
  set: UpdateObject<Database, 'webhook_endpoints'>,
): Promise<WebhookEndpointRow> {
  return opened(
    await db
      .updateTable('webhook_endpoints')
      .set(sealed(set))
      .where('merchant_id', '=', merchantId)
      .where('endpoint_id', '=', endpointId)
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

/** Disables an enabled endpoint; false when it was not enabled. */
export async function disableEnabledEndpoint(
  db: Db,
  merchantId: string,
  endpointId: string,
  reason: string,
  at: Date,
): Promise<boolean> {
  const updated = await db
    .updateTable('webhook_endpoints')
    .set({ status: 'disabled', disabled_reason: reason, disabled_at: at, updated_at: at })
    .where('merchant_id', '=', merchantId)
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'enabled')
    .returning('endpoint_id')
    .executeTakeFirst();
  return updated !== undefined;
}

/** Deletes the endpoint (its deliveries and attempts go with it). */
export async function deleteWebhookEndpointRow(db: Db, merchantId: string, endpointId: string) {
  return db
    .deleteFrom('webhook_endpoints')
    .where('merchant_id', '=', merchantId)
    .where('endpoint_id', '=', endpointId)
    .returning(['endpoint_id', 'url'])
    .executeTakeFirst();
}

// --- deliveries ---

export async function findWebhookDelivery(
  db: Db,
  merchantId: string,
  deliveryId: string,
): Promise<WebhookDeliveryRow | undefined> {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('delivery_id', '=', deliveryId)
    .executeTakeFirst();
}

export async function lockWebhookDelivery(
  db: Db,
  merchantId: string,
  deliveryId: string,
): Promise<WebhookDeliveryRow | undefined> {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('delivery_id', '=', deliveryId)
    .forUpdate()
    .executeTakeFirst();
}

export async function findDeliverySeq(
  db: Db,
  merchantId: string,
  endpointId: string,
  deliveryId: string,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select('seq')
    .where('merchant_id', '=', merchantId)
    .where('endpoint_id', '=', endpointId)
    .where('delivery_id', '=', deliveryId)
    .executeTakeFirst();
  return row?.seq;
}

/** An endpoint's deliveries, newest first, `limit` rows below `beforeSeq`. */
export async function listDeliveryPage(
  db: Db,
  input: {
    merchantId: string;
    endpointId: string;
    status?: WebhookDeliveryRow['status'];
    beforeSeq?: number;
    limit: number;
  },
): Promise<WebhookDeliveryRow[]> {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('merchant_id', '=', input.merchantId)
    .where('endpoint_id', '=', input.endpointId)
    .$if(input.status !== undefined, (qb) => qb.where('status', '=', input.status!))
    .$if(input.beforeSeq !== undefined, (qb) => qb.where('seq', '<', input.beforeSeq!))
    .orderBy('seq', 'desc')
    .limit(input.limit)
    .execute();
}

export async function insertWebhookDelivery(
  db: Db,
  row: InsertObject<Database, 'webhook_deliveries'>,
): Promise<WebhookDeliveryRow> {
  return db.insertInto('webhook_deliveries').values(row).returningAll().executeTakeFirstOrThrow();
}

/** One delivery per (event, endpoint): a second fan-out of the same event adds nothing. */
export async function insertEventDeliveries(
  db: Db,
  rows: InsertObject<Database, 'webhook_deliveries'>[],
): Promise<void> {
  await db
    .insertInto('webhook_deliveries')
    .values(rows)
    .onConflict((oc) => oc.columns(['merchant_id', 'event_id', 'endpoint_id']).doNothing())
    .execute();
}

/** Takes a delivery for a replay: one more attempt, pending, held until `leaseUntil`. */
export async function leaseDeliveryForReplay(
  db: Db,
  merchantId: string,
  deliveryId: string,
  lease: { owner: string; until: Date },
): Promise<WebhookDeliveryRow> {
  return db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      attempt_count: eb('attempt_count', '+', 1),
      status: 'pending',
      next_attempt_at: lease.until,
      lease_owner: lease.owner,
      completed_at: null,
    }))
    .where('merchant_id', '=', merchantId)
    .where('delivery_id', '=', deliveryId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Pending deliveries of enabled endpoints due at `now`, oldest event first (a best effort: they
 * are sent several at a time), locked with SKIP LOCKED.
 */
export async function lockDueDeliveries(
  db: Db,
  o: { now: Date; limit: number; merchantId?: string },
) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', (join) =>
      join
        .onRef('e.merchant_id', '=', 'd.merchant_id')
        .onRef('e.endpoint_id', '=', 'd.endpoint_id'),
    )
    .select(['d.merchant_id', 'd.delivery_id'])
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<=', o.now)
    .where('e.status', '=', 'enabled')
    .$if(o.merchantId !== undefined, (qb) => qb.where('d.merchant_id', '=', o.merchantId!))
    .orderBy('d.next_attempt_at')
    .orderBy('d.event_id')
    .limit(o.limit)
    .forUpdate('d')
    .skipLocked()
    .execute();
}

/** Gives each delivery its next attempt number and a lease to `leaseEnd`. */
export async function leaseDeliveries(
  db: Db,
  keys: { merchant_id: string; delivery_id: string }[],
  lease: { owner: string; until: Date },
): Promise<WebhookDeliveryRow[]> {
  return db
    .updateTable('webhook_deliveries')
    .set({
      attempt_count: sql<number>`attempt_count + 1`,
      next_attempt_at: lease.until,
      lease_owner: lease.owner,
    })
    .where((eb) =>
      eb(
        eb.refTuple('merchant_id', 'delivery_id'),
        'in',
        keys.map((d) => eb.tuple(d.merchant_id, d.delivery_id)),
      ),
    )
    .returningAll()
    .execute();
}

export async function updateWebhookDelivery(
  db: Db,
  merchantId: string,
  deliveryId: string,
  set: UpdateObject<Database, 'webhook_deliveries'>,
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set(set)
    .where('merchant_id', '=', merchantId)
    .where('delivery_id', '=', deliveryId)
    .execute();
}

// --- attempts ---

export async function listAttemptsOfDeliveries(
  db: Db,
  keys: { merchant_id: string; delivery_id: string }[],
): Promise<WebhookDeliveryAttemptRow[]> {
  return db
    .selectFrom('webhook_delivery_attempts')
    .selectAll()
    .where((eb) =>
      eb(
        eb.refTuple('merchant_id', 'delivery_id'),
        'in',
        keys.map((r) => eb.tuple(r.merchant_id, r.delivery_id)),
      ),
    )
    .orderBy('attempt_number')
    .execute();
}

/** Logs an attempt once (a retried write of the same attempt adds nothing). */
export async function insertDeliveryAttempt(
  db: Db,
  row: InsertObject<Database, 'webhook_delivery_attempts'>,
): Promise<void> {
  await db
    .insertInto('webhook_delivery_attempts')
    .values(row)
    .onConflict((oc) => oc.columns(['merchant_id', 'delivery_id', 'attempt_number']).doNothing())
    .execute();
}

// --- the webhook outbox ---

/**
 * Due webhook outbox rows (at each merchant's clock) with their event, oldest first, locked with
 * SKIP LOCKED.
 */
export async function lockDueWebhookOutbox(
  db: Db,
  o: { now: Date; limit: number; merchantId?: string },
) {
  return db
    .selectFrom('outbox as o')
    .innerJoin('merchants as m', 'm.merchant_id', 'o.merchant_id')
    .leftJoin('events as e', (join) =>
      join.onRef('e.merchant_id', '=', 'o.merchant_id').onRef('e.event_id', '=', 'o.event_id'),
    )
    .select([
      'o.merchant_id',
      'o.outbox_id',
      'o.event_id',
      'e.type',
      'e.subscription_id',
      'e.case_id',
      'e.data',
      'e.occurred_at',
    ])
    .where('o.topic', '=', 'webhook')
    .where('o.delivered_at', 'is', null)
    .where('o.canceled_at', 'is', null)
    .where('o.available_at', '<=', sql<Date>`coalesce(m.test_clock_at, ${o.now})`)
    .$if(o.merchantId !== undefined, (qb) => qb.where('o.merchant_id', '=', o.merchantId!))
    .orderBy('o.available_at')
    .orderBy('o.outbox_id')
    .limit(o.limit)
    .forUpdate('o')
    .skipLocked()
    .execute();
}

export async function markOutboxRowsDelivered(
  db: Db,
  keys: { merchant_id: string; outbox_id: number }[],
  at: Date,
): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ delivered_at: at })
    .where((eb) =>
      eb(
        eb.refTuple('merchant_id', 'outbox_id'),
        'in',
        keys.map((r) => eb.tuple(r.merchant_id, r.outbox_id)),
      ),
    )
    .execute();
}
