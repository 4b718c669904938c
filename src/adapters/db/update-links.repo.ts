// Update links (one hosted page per case) and each merchant's link-signing key.
import type { Selectable } from 'kysely';
import { openSecret, sealSecret } from '../crypto/secret-box.ts';
import type { Db } from './connect.ts';
import type { AccessTables } from './schema-access.ts';

export type UpdateLinkRow = Selectable<AccessTables['update_links']>;

export async function insertUpdateLink(
  db: Db,
  row: {
    merchant_id: string;
    link_id: string;
    case_id: string;
    message_id: string | null;
    issued_at: Date;
    expires_at: Date;
  },
): Promise<void> {
  await db.insertInto('update_links').values(row).execute();
}

export async function findUpdateLink(
  db: Db,
  merchantId: string,
  linkId: string,
): Promise<UpdateLinkRow | undefined> {
  return db
    .selectFrom('update_links')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('link_id', '=', linkId)
    .executeTakeFirst();
}

/** When the link was used (null: not yet), locked for the rest of the transaction. */
export async function lockUpdateLinkUse(db: Db, merchantId: string, linkId: string) {
  return db
    .selectFrom('update_links')
    .select('used_at')
    .where('merchant_id', '=', merchantId)
    .where('link_id', '=', linkId)
    .forUpdate()
    .executeTakeFirst();
}

/** Counts one visit of the link at `at`. */
export async function countUpdateLinkVisit(
  db: Db,
  merchantId: string,
  linkId: string,
  at: Date,
): Promise<void> {
  await db
    .updateTable('update_links')
    .set((eb) => ({
      visits: eb('visits', '+', 1),
      first_visited_at: eb.fn.coalesce('first_visited_at', eb.val(at)),
      last_visited_at: at,
    }))
    .where('merchant_id', '=', merchantId)
    .where('link_id', '=', linkId)
    .execute();
}

/** Spends every unused link of the case. */
export async function markCaseUpdateLinksUsed(
  db: Db,
  merchantId: string,
  caseId: string,
  at: Date,
): Promise<void> {
  await db
    .updateTable('update_links')
    .set({ used_at: at })
    .where('merchant_id', '=', merchantId)
    .where('case_id', '=', caseId)
    .where('used_at', 'is', null)
    .execute();
}

export async function findLinkSigningKey(db: Db, merchantId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('merchant_secrets')
    .select('link_signing_key')
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return row ? openSecret(row.link_signing_key) : undefined;
}

/** The merchant's signing key, stored as `candidate` when it has none yet. */
export async function ensureLinkSigningKey(
  db: Db,
  merchantId: string,
  candidate: string,
): Promise<string> {
  await db
    .insertInto('merchant_secrets')
    .values({ merchant_id: merchantId, link_signing_key: sealSecret(candidate) })
    .onConflict((oc) => oc.column('merchant_id').doNothing())
    .execute();
  const row = await db
    .selectFrom('merchant_secrets')
    .select('link_signing_key')
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
  return openSecret(row.link_signing_key);
}

/** Everything the hosted page shows for a case: case, subscription, merchant, customer, method. */
export async function findLinkView(db: Db, merchantId: string, caseId: string) {
  return db
    .selectFrom('dunning_cases as c')
    .innerJoin('subscriptions as s', (j) =>
      j
        .onRef('s.merchant_id', '=', 'c.merchant_id')
        .onRef('s.subscription_id', '=', 'c.subscription_id'),
    )
    .innerJoin('merchants as m', 'm.merchant_id', 'c.merchant_id')
    .innerJoin('customers as cu', (j) =>
      j.onRef('cu.merchant_id', '=', 's.merchant_id').onRef('cu.customer_id', '=', 's.customer_id'),
    )
    .leftJoin('payment_methods as pm', (j) =>
      j
        .onRef('pm.merchant_id', '=', 's.merchant_id')
        .onRef('pm.payment_method_id', '=', 's.payment_method_id'),
    )
    .select([
      'c.status',
      'c.amount_due_minor',
      'c.currency',
      'c.last_category',
      'c.subscription_id',
      'm.name as merchant_name',
      'm.support_contact',
      'm.mode',
      's.product_name',
      's.state as subscription_state',
      's.price_minor',
      's.next_renewal_at',
      's.payment_method_id',
      'cu.locale',
      'cu.time_zone',
      'pm.type as pm_type',
      'pm.gateway as pm_gateway',
      'pm.gateway_token',
      'pm.brand',
      'pm.last4',
      'pm.exp_month',
      'pm.exp_year',
    ])
    .where('c.merchant_id', '=', merchantId)
    .where('c.case_id', '=', caseId)
    .executeTakeFirst();
}
