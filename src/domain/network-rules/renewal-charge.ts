// A renewal is a new charge on a card that other subscriptions and cases may be charging too, so
// the network rules are asked before it goes out, as for a retry (reference/declines.md). A rule
// that frees later defers the renewal to that time; one that holds until the payment method
// changes withholds the charge, and the renewal fails without reaching the gateway.

import { blocksRetryUntilMethodChanges, type DeclineCategory } from '../declines/categories.ts';
import { explainVerdict } from './evaluate-retry.ts';
import type { CredentialAttempt, RuleVerdict } from './types.ts';

export type RenewalCharge =
  | { kind: 'charge'; why: string }
  | { kind: 'defer'; until: Date; rule: string; why: string }
  | { kind: 'withhold'; rule: string; category: DeclineCategory; why: string };

/**
 * What to do with a renewal charge given the rules' verdict on its credential. A withheld
 * renewal's case takes the category of the card's latest decline that blocks it (so its messages
 * ask for what is needed); without one (advice, re-presentment limits) the method must change.
 */
export function planRenewalCharge(
  verdict: RuleVerdict,
  history: readonly CredentialAttempt[],
): RenewalCharge {
  if (verdict.allowed) return { kind: 'charge', why: 'period ended; renewal charge' };
  const why = `renewal charge not sent: ${explainVerdict(verdict)}`;
  if (verdict.notBefore !== null)
    return { kind: 'defer', until: verdict.notBefore, rule: verdict.rule, why };
  const blocking = history
    .filter((a) => a.outcome === 'declined' && a.category !== null)
    .toSorted((a, b) => a.at.getTime() - b.at.getTime())
    .findLast((a) => blocksRetryUntilMethodChanges(a.category!));
  return {
    kind: 'withhold',
    rule: verdict.rule,
    category: blocking?.category ?? 'update_method',
    why,
  };
}
