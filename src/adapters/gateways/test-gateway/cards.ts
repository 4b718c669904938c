// Test card numbers of the built-in test gateway. Each produces one outcome so the whole
// lifecycle can be tried without a processor; decline codes use Stripe's vocabulary.

export type TestCardBehaviour =
  | { kind: 'succeed' }
  | { kind: 'decline'; code: string }
  /** Declines with insufficient funds before the date carried in the token, then succeeds. */
  | { kind: 'decline_until'; code: string }
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
    behaviour: { kind: 'decline', code: 'insufficient_funds' },
  },
  expired: {
    number: '4000000000000069',
    brand: 'visa',
    label: 'expired card',
    behaviour: { kind: 'decline', code: 'expired_card' },
  },
  stolen: {
    number: '4000000000009979',
    brand: 'visa',
    label: 'stolen card',
    behaviour: { kind: 'decline', code: 'stolen_card' },
  },
  authentication_required: {
    number: '4000002760003184',
    brand: 'visa',
    label: 'authentication required',
    behaviour: { kind: 'decline', code: 'authentication_required' },
  },
  processing_error: {
    number: '4000000000000119',
    brand: 'visa',
    label: 'processing error',
    behaviour: { kind: 'decline', code: 'processing_error' },
  },
  generic_decline: {
    number: '4000000000000002',
    brand: 'visa',
    label: 'generic decline',
    behaviour: { kind: 'decline', code: 'generic_decline' },
  },
  insufficient_funds_until: {
    number: '4000000000005126',
    brand: 'visa',
    label: 'insufficient funds until a date, then succeeds',
    behaviour: { kind: 'decline_until', code: 'insufficient_funds' },
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
