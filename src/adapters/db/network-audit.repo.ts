// The merchant's payment attempts as the card networks saw them, for the independent network
// audit (src/domain/audit): the card's fingerprint, the codes the gateway answered, who initiated.
import { sql } from 'kysely';
import type { AuditAttempt, DetailsChange } from '../../domain/audit/network-audit.ts';
import type { Db } from './connect.ts';

export type AuditHistory = { attempts: AuditAttempt[]; detailsChanges: DetailsChange[] };

const CARD_NETWORKS = new Set(['visa', 'mastercard', 'amex', 'discover', 'other']);

/**
 * Every attempt on a credential of the merchant, in the order they were made, and every update
 * of a method's details (card updater, customer) on the card it charged next.
 */
export async function loadAuditHistory(db: Db, merchantId: string): Promise<AuditHistory> {
  const rows = await db
    .selectFrom('payment_attempts')
    .select([
      'attempt_id',
      'credential',
      'network',
      'requested_at',
      'amount_minor',
      'currency',
      'status',
      'raw_code',
      'idempotency_key',
    ])
    .where('merchant_id', '=', merchantId)
    .where('credential', 'is not', null)
    .orderBy('requested_at')
    .orderBy('created_at')
    .orderBy('attempt_id')
    .execute();
  // An update of the method's own details (not a switch to another method, which names the
  // method it replaced), on the card the method's next attempt charged.
  const changes = await sql<{ card: string; at: Date }>`
    SELECT next.credential AS card, e.occurred_at AS at
    FROM events e
    CROSS JOIN LATERAL (
      SELECT a.credential FROM payment_attempts a
      WHERE a.merchant_id = e.merchant_id
        AND a.payment_method_id = e.data->>'payment_method_id'
        AND a.credential IS NOT NULL
        AND a.requested_at >= e.occurred_at
      ORDER BY a.requested_at, a.created_at
      LIMIT 1
    ) next
    WHERE e.merchant_id = ${merchantId}
      AND e.type = 'payment_method.updated'
      AND NOT (e.data ? 'replaced')
    ORDER BY e.occurred_at`.execute(db);
  return {
    attempts: rows.map((r) => auditAttemptOf(r)),
    detailsChanges: changes.rows.map((c) => ({ card: c.card, at: new Date(c.at) })),
  };
}

type Row = {
  attempt_id: string;
  credential: string | null;
  network: string | null;
  requested_at: Date;
  amount_minor: number | string | bigint;
  currency: string;
  status: string;
  raw_code: string | null;
  idempotency_key: string;
};

function auditAttemptOf(r: Row): AuditAttempt {
  const network = (r.network ?? 'other').toLowerCase();
  return {
    id: r.attempt_id,
    card: r.credential!,
    network,
    sentAt: r.requested_at,
    amountMinor: Number(r.amount_minor),
    currency: r.currency,
    // The hosted page's charges (update-link keys): the customer pays on-session.
    initiatedBy: r.idempotency_key.includes(':update_link:') ? 'customer' : 'merchant',
    outcome:
      r.status === 'succeeded' ? 'approved' : r.status === 'failed' ? 'declined' : 'no_answer',
    ...codesOf(r.raw_code, CARD_NETWORKS.has(network)),
  };
}

/**
 * Reads the stored raw code back: `stolen_card / network 43 / advice 03` (Stripe), `05 / MAC 03`
 * (ISO 8583, whose first part is the issuer's code), or a bare return code such as `R01`.
 */
export function codesOf(
  rawCode: string | null,
  card: boolean,
): Pick<AuditAttempt, 'gatewayCode' | 'networkCode' | 'adviceCode'> {
  const parts = (rawCode ?? '').split(' / ').map((p) => p.trim());
  const first = parts[0] ? parts[0] : null;
  const tagged = (tag: string) =>
    parts.find((p) => p.startsWith(`${tag} `))?.slice(tag.length + 1) ?? null;
  const network = tagged('network');
  const isoCode = card && network === null && first !== null && /^[0-9A-Z]{2}$/.test(first);
  return {
    gatewayCode: first,
    networkCode: network ?? (isoCode ? first : null),
    adviceCode: tagged('advice') ?? tagged('MAC'),
  };
}
