import { describe, expect, it } from 'vitest';
import { rawDeclineOf } from './raw-decline.ts';

describe('Stripe decline fields on a RawDecline', () => {
  it.each([
    [
      'decline_code wins over the error code',
      { code: 'card_declined', decline_code: 'do_not_honor', network_decline_code: '05' },
      { scheme: 'stripe', code: 'do_not_honor', networkDeclineCode: '05' },
    ],
    [
      'the error code when there is no decline_code',
      { code: 'expired_card' },
      { scheme: 'stripe', code: 'expired_card' },
    ],
    [
      'empty and null fields stay absent',
      { code: 'card_declined', decline_code: '', network_advice_code: null, advice_code: '' },
      { scheme: 'stripe', code: 'card_declined' },
    ],
    ['no codes at all', {}, { scheme: 'stripe', code: 'card_declined' }],
    [
      'the card brand names the network',
      { decline_code: 'insufficient_funds', payment_method: { card: { brand: 'mastercard' } } },
      { scheme: 'stripe', code: 'insufficient_funds', network: 'mastercard' },
    ],
    [
      'a brand whose network rules we do not keep is other',
      { decline_code: 'generic_decline', payment_method: { card: { brand: 'jcb' } } },
      { scheme: 'stripe', code: 'generic_decline', network: 'other' },
    ],
  ])('%s', (_label, fields, expected) => {
    expect(rawDeclineOf(fields)).toEqual(expected);
  });
});
