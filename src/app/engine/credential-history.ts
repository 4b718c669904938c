// Card-network rules apply per credential (the card or bank account), across every case and
// subscription that charges it: gather its attempts and ask the pure rules for a verdict.
import type { Db } from '../../adapters/db/connect.ts';
import { loadCredentialAttempts, lockCredentials } from '../../adapters/db/engine.repo.ts';
import type { CaseRow, PaymentMethodRow, SubscriptionRow } from '../../adapters/db/schema.ts';
import { evaluateRetry } from '../../domain/network-rules/evaluate-retry.ts';
import type { CredentialAttempt, Network, RuleVerdict } from '../../domain/network-rules/types.ts';
import { credentialAttemptOf, key, paymentMethodIn, type Work, withWork } from './world.ts';

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

export type Credential = Pick<
  PaymentMethodRow,
  'merchant_id' | 'type' | 'network' | 'fingerprint' | 'changed_at'
>;

/** The rules' verdict on retrying this case's credential now; null when it cannot be charged. */
export function caseVerdictIn(w: Work, row: CaseRow, now: Date): RuleVerdict | null {
  const pm = paymentMethodIn(w.world, row.merchant_id, row.payment_method_id);
  if (!pm || pm.type === 'pay_link') return null;
  const history = w.world.histories.get(key(pm.merchant_id, pm.fingerprint));
  if (!history) throw new Error(`credential history of ${row.case_id} was not loaded`);
  return verdictOf(pm, history, row.amount_due_minor, now);
}

/** The rules' verdict on a renewal charge of this subscription now, with the history it read. */
export function renewalVerdictIn(
  w: Work,
  sub: SubscriptionRow,
  now: Date,
): { verdict: RuleVerdict; history: readonly CredentialAttempt[] } | null {
  const pm = paymentMethodIn(w.world, sub.merchant_id, sub.payment_method_id);
  if (!pm || pm.type === 'pay_link') return null;
  const history = w.world.histories.get(key(pm.merchant_id, pm.fingerprint));
  if (!history) throw new Error(`credential history of ${sub.subscription_id} was not loaded`);
  return { verdict: verdictOf(pm, history, sub.price_minor, now), history };
}

/** As caseVerdictIn, for one case, its credential locked until the transaction ends. */
export async function credentialVerdict(
  trx: Db,
  row: CaseRow,
  now: Date,
): Promise<RuleVerdict | null> {
  return withWork(trx, { subs: [], cases: [row], credentials: true }, (w) =>
    caseVerdictIn(w, row, now),
  );
}

/**
 * The rules' verdict on charging this credential now, from every attempt on it (pending ones
 * count as made). With `authenticated` (the customer confirmed this payment with their bank), an
 * SCA decline no longer blocks, though it still counts as an attempt: Visa puts 1A in category
 * 3, "retry only with corrected data", and the authentication is that (reference/declines.md).
 */
export async function verdictForCredential(
  trx: Db,
  pm: Credential,
  amountMinor: number,
  now: Date,
  options: { authenticated?: boolean } = {},
): Promise<RuleVerdict> {
  const credential = { merchantId: pm.merchant_id, credential: pm.fingerprint };
  await lockCredentials(trx, [key(pm.merchant_id, pm.fingerprint)]);
  const history = (await loadCredentialAttempts(trx, [credential])).map(credentialAttemptOf);
  return verdictOf(pm, history, amountMinor, now, options);
}

function verdictOf(
  pm: Credential,
  history: readonly CredentialAttempt[],
  amountMinor: number,
  now: Date,
  options: { authenticated?: boolean } = {},
): RuleVerdict {
  const seen = options.authenticated
    ? history.map((a) =>
        a.category === 'authentication_required' ? { ...a, category: null, visaCategory: null } : a,
      )
    : history;
  return evaluateRetry({
    credential: { network: networkOf(pm.type, pm.network), methodChangedAt: pm.changed_at },
    history: seen,
    amountMinor,
    now,
  });
}
