// Card-network rules apply per credential (the card or bank account), across every case and
// subscription that charges it: gather its attempts and ask the pure rules for a verdict.
import type { Db } from '../../adapters/db/connect.ts';
import type { CaseRow, PaymentMethodRow } from '../../adapters/db/schema.ts';
import type { DeclineCategory } from '../../domain/declines/categories.ts';
import { evaluateRetry } from '../../domain/network-rules/evaluate-retry.ts';
import type {
  CredentialAttempt,
  Network,
  RetryAdvice,
  RuleVerdict,
} from '../../domain/network-rules/types.ts';

const CARD_NETWORKS: readonly Network[] = ['visa', 'mastercard', 'amex', 'discover'];

export function networkOf(type: string, network: string | null): Network {
  switch (type) {
    case 'ach':
      return 'ach';
    case 'direct_debit':
      return 'sepa';
    case 'card':
      return CARD_NETWORKS.includes(network as Network) ? (network as Network) : 'other';
    default:
      return 'other';
  }
}

export async function credentialVerdict(
  trx: Db,
  row: CaseRow,
  now: Date,
): Promise<RuleVerdict | null> {
  if (!row.payment_method_id) return null;
  const pm = await trx
    .selectFrom('payment_methods')
    .select(['merchant_id', 'type', 'network', 'fingerprint', 'changed_at'])
    .where('merchant_id', '=', row.merchant_id)
    .where('payment_method_id', '=', row.payment_method_id)
    .executeTakeFirst();
  if (!pm || pm.type === 'pay_link') return null;
  return verdictForCredential(trx, pm, row.amount_due_minor, now);
}

export type Credential = Pick<
  PaymentMethodRow,
  'merchant_id' | 'type' | 'network' | 'fingerprint' | 'changed_at'
>;

/**
 * The rules' verdict on charging this credential now, from every answered attempt on it. With
 * `authenticated` (the customer confirmed this payment with their bank), an SCA decline no longer
 * blocks, though it still counts as an attempt: Visa puts 1A in category 3, "retry only with
 * corrected data", and the authentication is that (reference/declines.md).
 */
export async function verdictForCredential(
  trx: Db,
  pm: Credential,
  amountMinor: number,
  now: Date,
  options: { authenticated?: boolean } = {},
): Promise<RuleVerdict> {
  const attempts = await trx
    .selectFrom('payment_attempts')
    .select([
      'requested_at',
      'status',
      'amount_minor',
      'category',
      'visa_category',
      'advice',
      'max_representments',
      'representment_window_days',
    ])
    .where('merchant_id', '=', pm.merchant_id)
    .where('credential', '=', pm.fingerprint)
    .where('status', '!=', 'pending')
    .execute();
  const history: CredentialAttempt[] = attempts.map((a) => {
    const category = (a.category as DeclineCategory | null) ?? null;
    const cured = options.authenticated === true && category === 'authentication_required';
    return {
      at: a.requested_at,
      outcome: a.status === 'succeeded' ? 'succeeded' : 'declined',
      amountMinor: a.amount_minor,
      category: cured ? null : category,
      visaCategory: cured ? null : ((a.visa_category as 1 | 2 | 3 | 4 | null) ?? null),
      advice: (a.advice as RetryAdvice | null) ?? { kind: 'none' },
      maxRepresentments: a.max_representments,
      representmentWindowDays: a.representment_window_days,
    };
  });
  return evaluateRetry({
    credential: { network: networkOf(pm.type, pm.network), methodChangedAt: pm.changed_at },
    history,
    amountMinor,
    now,
  });
}
