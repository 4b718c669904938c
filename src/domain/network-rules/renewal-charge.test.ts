import { describe, expect, it } from 'vitest';
import { evaluateRetry } from './evaluate-retry.ts';
import { planRenewalCharge } from './renewal-charge.ts';
import type { CredentialAttempt, Network } from './types.ts';

const NOW = new Date('2026-02-05T10:00:00Z');
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

const declined = (at: Date, patch: Partial<CredentialAttempt> = {}): CredentialAttempt => ({
  at,
  outcome: 'declined',
  amountMinor: 1900,
  category: 'generic',
  visaCategory: 2,
  advice: { kind: 'none' },
  maxRepresentments: null,
  representmentWindowDays: null,
  ...patch,
});

function plan(network: Network, history: CredentialAttempt[]) {
  const verdict = evaluateRetry({
    credential: { network, methodChangedAt: null },
    history,
    amountMinor: 1900,
    now: NOW,
  });
  return planRenewalCharge(verdict, history);
}

describe('a renewal charge and the network rules', () => {
  it('goes out on a card with no history', () => {
    expect(plan('visa', [])).toMatchObject({ kind: 'charge' });
  });

  it('waits for the answer of a charge on the same card that is still in flight', () => {
    const p = plan('mastercard', [declined(ago(1000), { answered: false })]);
    expect(p).toMatchObject({ kind: 'defer', rule: 'charge_in_flight' });
    expect(p.kind === 'defer' && p.until.toISOString()).toBe('2026-02-05T10:14:59.000Z');
  });

  it('waits out Mastercard "retry after 24 hours" given to another subscription on the card', () => {
    const p = plan('mastercard', [
      declined(ago(HOUR), {
        category: 'temporary',
        advice: { kind: 'retry_after', afterMs: 24 * HOUR, source: 'Mastercard MAC 25' },
      }),
    ]);
    expect(p).toMatchObject({ kind: 'defer', rule: 'retry_after_advice' });
    expect(p.kind === 'defer' && p.until.toISOString()).toBe('2026-02-06T09:00:00.000Z');
    expect(p.why).toContain('renewal charge not sent');
  });

  it('is withheld on a card reported stolen (Visa category 1), as a hard decline', () => {
    const p = plan('visa', [declined(ago(HOUR), { category: 'hard', visaCategory: 1 })]);
    expect(p).toMatchObject({ kind: 'withhold', rule: 'visa_category_1', category: 'hard' });
  });

  it('is withheld after Mastercard "do not try again", asking for a new payment method', () => {
    const p = plan('mastercard', [
      declined(ago(15 * 24 * HOUR), {
        advice: { kind: 'do_not_retry', source: 'Mastercard MAC 03' },
      }),
    ]);
    expect(p).toMatchObject({
      kind: 'withhold',
      rule: 'do_not_retry_advice',
      category: 'update_method',
    });
  });

  it('goes out after a decline that does not block the card', () => {
    expect(
      plan('visa', [declined(ago(3 * 24 * HOUR), { category: 'insufficient_funds' })]),
    ).toMatchObject({ kind: 'charge' });
  });
});
