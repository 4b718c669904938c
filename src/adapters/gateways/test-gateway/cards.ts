// Test card numbers of the built-in test gateway. Each produces one outcome so the whole
// lifecycle can be tried without a processor; decline codes use Stripe's vocabulary.

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

const BY_NUMBER = new Map<string, TestCard>(Object.values(TEST_CARDS).map((c) => [c.number, c]));

export function findTestCard(number: string): TestCard | undefined {
  return BY_NUMBER.get(number.replace(/[\s-]/g, ''));
}

/** What the test gateway stores as the card's token: the number and, for dated cards, the date. */
export type TestToken = { number: string; succeedsFrom: Date | null };

const TOKEN = /^tok_test_(\d{12,19})(?:_from_(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z))?$/;

export function tokenizeTestCard(number: string, succeedsFrom: Date | null = null): string {
  const card = findTestCard(number);
  if (!card) throw new RangeError(`not a test card number: ${number}`);
  const digits = card.number;
  if (card.behaviour.kind === 'decline_until') {
    if (!succeedsFrom) throw new RangeError('this test card needs the date from which it succeeds');
    return `tok_test_${digits}_from_${succeedsFrom.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
  }
  return `tok_test_${digits}`;
}

export function parseTestToken(token: string): TestToken | null {
  const m = TOKEN.exec(token);
  if (!m) return null;
  return { number: m[1]!, succeedsFrom: m[2] ? new Date(m[2]) : null };
}
