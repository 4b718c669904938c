// Every secret column at once, for `dunner secrets rotate` and the start-up check: webhook
// signing secrets, Stripe keys, update-link signing keys and customer channel settings.
import { sql } from 'kysely';
import { isSealed, type Keyring, openWith, sealWith } from '../crypto/secret-box.ts';
import type { Db } from './connect.ts';

export type ResealCounts = Record<
  'webhook_endpoints' | 'stripe_accounts' | 'merchant_secrets' | 'customer_channels',
  { rows: number; resealed: number }
>;

const json = (v: unknown) => JSON.stringify(v);

/** Live merchants (the first few), which need a secrets key. */
export async function listLiveMerchantIds(db: Db, limit = 5): Promise<string[]> {
  const rows = await db
    .selectFrom('merchants')
    .select('merchant_id')
    .where('mode', '=', 'live')
    .orderBy('merchant_id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.merchant_id);
}

/** How many stored secrets are not sealed (stored as they are). */
export async function countUnsealedSecrets(db: Db): Promise<number> {
  const { rows } = await sql<{ n: string | number }>`SELECT
      (SELECT count(*) FROM webhook_endpoints WHERE secret NOT LIKE 'enc:v1:%'
         OR previous_secret NOT LIKE 'enc:v1:%')
    + (SELECT count(*) FROM stripe_accounts WHERE secret_key NOT LIKE 'enc:v1:%'
         OR webhook_secret NOT LIKE 'enc:v1:%')
    + (SELECT count(*) FROM merchant_secrets WHERE link_signing_key NOT LIKE 'enc:v1:%')
    + (SELECT count(*) FROM customer_channels WHERE NOT (config ? 'sealed')) AS n`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Opens every stored secret with `ring` (current or previous keys, or as stored) and seals it
 * again under the current key, in one transaction: one read and one write per table. A value
 * that does not open stops the whole rotation before anything is written.
 */
export async function resealAllSecrets(db: Db, ring: Keyring): Promise<ResealCounts> {
  const again = (v: string) => sealWith(ring, openWith(ring, v));
  const current = ring.current?.id ?? null;
  const fresh = (v: string) => current !== null && v.startsWith(`enc:v1:${current}:`);
  return db.transaction().execute(async (trx) => {
    const endpoints = await trx
      .selectFrom('webhook_endpoints')
      .select(['merchant_id', 'endpoint_id', 'secret', 'previous_secret'])
      .forUpdate()
      .execute();
    const stripe = await trx
      .selectFrom('stripe_accounts')
      .select(['merchant_id', 'secret_key', 'webhook_secret'])
      .forUpdate()
      .execute();
    const links = await trx
      .selectFrom('merchant_secrets')
      .select(['merchant_id', 'link_signing_key'])
      .forUpdate()
      .execute();
    const channels = await trx
      .selectFrom('customer_channels')
      .select(['merchant_id', 'customer_id', 'channel', 'config'])
      .forUpdate()
      .execute();

    const e = endpoints
      .filter((r) => !fresh(r.secret) || (r.previous_secret !== null && !fresh(r.previous_secret)))
      .map((r) => ({
        merchant_id: r.merchant_id,
        endpoint_id: r.endpoint_id,
        secret: again(r.secret),
        previous_secret: r.previous_secret === null ? null : again(r.previous_secret),
      }));
    const s = stripe
      .filter((r) => !fresh(r.secret_key) || !fresh(r.webhook_secret))
      .map((r) => ({
        merchant_id: r.merchant_id,
        secret_key: again(r.secret_key),
        webhook_secret: again(r.webhook_secret),
      }));
    const l = links
      .filter((r) => !fresh(r.link_signing_key))
      .map((r) => ({ merchant_id: r.merchant_id, link_signing_key: again(r.link_signing_key) }));
    const c = channels.flatMap((r) => {
      const cfg = r.config as Record<string, unknown>;
      const sealedText = typeof cfg.sealed === 'string' && Object.keys(cfg).length === 1;
      if (sealedText && fresh(cfg.sealed as string)) return [];
      const plain = sealedText ? openWith(ring, cfg.sealed as string) : JSON.stringify(cfg);
      const next = sealWith(ring, plain);
      return [
        {
          merchant_id: r.merchant_id,
          customer_id: r.customer_id,
          channel: r.channel,
          config: isSealed(next) ? { sealed: next } : JSON.parse(plain),
        },
      ];
    });

    if (e.length > 0)
      await sql`UPDATE webhook_endpoints t SET secret = v.secret, previous_secret = v.previous_secret
        FROM jsonb_to_recordset(${json(e)}::jsonb)
          AS v(merchant_id text, endpoint_id text, secret text, previous_secret text)
        WHERE t.merchant_id = v.merchant_id AND t.endpoint_id = v.endpoint_id`.execute(trx);
    if (s.length > 0)
      await sql`UPDATE stripe_accounts t SET secret_key = v.secret_key, webhook_secret = v.webhook_secret
        FROM jsonb_to_recordset(${json(s)}::jsonb)
          AS v(merchant_id text, secret_key text, webhook_secret text)
        WHERE t.merchant_id = v.merchant_id`.execute(trx);
    if (l.length > 0)
      await sql`UPDATE merchant_secrets t SET link_signing_key = v.link_signing_key
        FROM jsonb_to_recordset(${json(l)}::jsonb) AS v(merchant_id text, link_signing_key text)
        WHERE t.merchant_id = v.merchant_id`.execute(trx);
    if (c.length > 0)
      await sql`UPDATE customer_channels t SET config = v.config
        FROM jsonb_to_recordset(${json(c)}::jsonb)
          AS v(merchant_id text, customer_id text, channel text, config jsonb)
        WHERE t.merchant_id = v.merchant_id AND t.customer_id = v.customer_id
          AND t.channel = v.channel`.execute(trx);

    return {
      webhook_endpoints: { rows: endpoints.length, resealed: e.length },
      stripe_accounts: { rows: stripe.length, resealed: s.length },
      merchant_secrets: { rows: links.length, resealed: l.length },
      customer_channels: { rows: channels.length, resealed: c.length },
    };
  });
}
