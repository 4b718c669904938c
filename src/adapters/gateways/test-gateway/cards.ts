// Test card numbers of the built-in test gateway. Each produces one outcome so the whole
// lifecycle can be tried without a processor; decline codes use Stripe's vocabulary.

import { randomBytes } from 'node:crypto';

export type TestCardBehaviour =
  | { kind: 'succeed' }
  /** Declines with a Stripe code and, as Stripe reports them, the issuer's code and the network's advice. */
  | { kind: 'decline'; code: string; networkDeclineCode?: string; networkAdviceCode?: string }
  /** Declines with insufficient funds before the date carried in the token, then succeeds. */
  | { kind: 'decline_until'; code: string; networkDeclineCode?: string }
  /** The charge goes through but the first response is lost (a timeout); a re-send returns it. */
  | { kind: 'timeout_then_succeed' };

export type TestCard = {
  readonly number: string;
  readonly brand: 'visa' | 'mastercard';
  readonly label: string;
  readonly behaviour: TestCardBehaviour;
};

export const TEST_CARDS = {
  success: {
    number: '4242424242424242',
    brand: 'visa',
    label: 'succeeds',
    behaviour: { kind: 'succeed' },
  },
  success_mastercard: {
    number: '5555555555554444',
    brand: 'mastercard',
    label: 'succeeds',
    behaviour: { kind: 'succeed' },
  },
  insufficient_funds: {
    number: '4000000000009995',
    brand: 'visa',
    label: 'insufficient funds',
    behaviour: { kind: 'decline', code: 'insufficient_funds', networkDeclineCode: '51' },
  },
  expired: {
    number: '4000000000000069',
    brand: 'visa',
    label: 'expired card',
    behaviour: { kind: 'decline', code: 'expired_card', networkDeclineCode: '54' },
  },
  stolen: {
    number: '4000000000009979',
    brand: 'visa',
    label: 'stolen card',
    behaviour: { kind: 'decline', code: 'stolen_card', networkDeclineCode: '43' },
  },
  authentication_required: {
    number: '4000002760003184',
    brand: 'visa',
    label: 'authentication required off-session; succeeds once the customer authenticates',
    behaviour: { kind: 'decline', code: 'authentication_required', networkDeclineCode: '1A' },
  },
  processing_error: {
    number: '4000000000000119',
    brand: 'visa',
    label: 'processing error',
    behaviour: { kind: 'decline', code: 'processing_error', networkDeclineCode: '96' },
  },
  generic_decline: {
    number: '4000000000000002',
    brand: 'visa',
    label: 'generic decline',
    behaviour: { kind: 'decline', code: 'generic_decline', networkDeclineCode: '05' },
  },
  insufficient_funds_until: {
    number: '4000000000005126',
    brand: 'visa',
    label: 'insufficient funds until a date, then succeeds',
    behaviour: { kind: 'decline_until', code: 'insufficient_funds', networkDeclineCode: '51' },
  },
  mastercard_do_not_retry: {
    number: '5105105105105100',
    brand: 'mastercard',
    label: 'Mastercard decline with advice 03: do not try again',
    behaviour: {
      kind: 'decline',
      code: 'generic_decline',
      networkDeclineCode: '05',
      networkAdviceCode: '03',
    },
  },
  mastercard_retry_after_24h: {
    number: '5200828282828210',
    brand: 'mastercard',
    label: 'Mastercard issuer unavailable with advice 25: retry after 24 hours',
    behaviour: {
      kind: 'decline',
      code: 'issuer_not_available',
      networkDeclineCode: '91',
      networkAdviceCode: '25',
    },
  },
  timeout: {
    number: '4000000000000408',
    brand: 'visa',
    label: 'first charge times out (but went through)',
    behaviour: { kind: 'timeout_then_succeed' },
  },
} as const satisfies Record<string, TestCard>;

export type TestCardName = keyof typeof TEST_CARDS;

const NAME_OF = new Map<TestCard, TestCardName>(
  (Object.entries(TEST_CARDS) as [TestCardName, TestCard][]).map(([name, c]) => [c, name]),
);
const BY_NUMBER = new Map<string, TestCard>(Object.values(TEST_CARDS).map((c) => [c.number, c]));

export function findTestCard(number: string): TestCard | undefined {
  return BY_NUMBER.get(number.replace(/[\s-]/g, ''));
}

export function testCardName(card: TestCard): TestCardName {
  return NAME_OF.get(card)!;
}

/** What the test gateway reads from a card's token: which test card, and for dated cards, the date. */
export type TestToken = { card: TestCard; succeedsFrom: Date | null };

// Stored form: the card's name and a random part, like a real gateway's token; the number itself is
// never stored (SPEC section 9). The older form carried the number: it is still read, never written.
const TOKEN =
  /^tok_test_([a-z0-9_]+?)_([0-9a-f]{12})(?:_from_(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z))?$/;
const NUMBER_TOKEN = /^tok_test_(\d{12,19})(?:_from_(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z))?$/;

export function tokenizeTestCard(card: TestCard, succeedsFrom: Date | null = null): string {
  const base = `tok_test_${testCardName(card)}_${randomBytes(6).toString('hex')}`;
  if (card.behaviour.kind !== 'decline_until') return base;
  if (!succeedsFrom) throw new RangeError('this test card needs the date from which it succeeds');
  return `${base}_from_${succeedsFrom.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}

export function parseTestToken(token: string): TestToken | null {
  const named = TOKEN.exec(token);
  if (named) {
    const name = named[1]!;
    if (!Object.hasOwn(TEST_CARDS, name)) return null;
    const card: TestCard = TEST_CARDS[name as TestCardName];
    return { card, succeedsFrom: named[3] ? new Date(named[3]) : null };
  }
  const numbered = NUMBER_TOKEN.exec(token);
  const card = numbered ? findTestCard(numbered[1]!) : undefined;
  if (!numbered || !card) return null;
  return { card, succeedsFrom: numbered[2] ? new Date(numbered[2]) : null };
}

/**
 * The credential the network rules count a test card's attempts against: one per customer and
 * card (test numbers are shared by every test customer), named by the card, never its number.
 */
export function testFingerprint(customerId: string, card: TestCard): string {
  return `fp_test_${customerId}_${testCardName(card)}`;
}
