import { describe, expect, it } from 'vitest';
import { codesOf } from './network-audit.repo.ts';

describe('reading a stored raw code back for the network audit', () => {
  it.each([
    [
      'stolen_card / network 43',
      true,
      { gatewayCode: 'stolen_card', networkCode: '43', adviceCode: null },
    ],
    [
      'issuer_not_available / network 91 / advice 25',
      true,
      { gatewayCode: 'issuer_not_available', networkCode: '91', adviceCode: '25' },
    ],
    ['05 / MAC 03', true, { gatewayCode: '05', networkCode: '05', adviceCode: '03' }],
    ['lost_card', true, { gatewayCode: 'lost_card', networkCode: null, adviceCode: null }],
    ['R01', false, { gatewayCode: 'R01', networkCode: null, adviceCode: null }],
    [null, true, { gatewayCode: null, networkCode: null, adviceCode: null }],
  ])('%s', (raw, card, codes) => {
    expect(codesOf(raw, card)).toEqual(codes);
  });
});
