// Maps a raw gateway decline to one of our six categories, with the network's retry advice and,
// for bank debits, how often the same debit may be presented again. Every table is data; the
// rules for reading them together are here. See reference/declines.md and declines-sourced.md.
import { describeAdvice, type NetworkAdvice, NO_ADVICE, strictestAdvice } from './advice.ts';
import { BACS_RETURN_CODES, BACS_SOURCE, normaliseBacsCode } from './bacs.ts';
import type { DeclineCategory } from './categories.ts';
import { type CodeRule, codeText, type DebitReturnRule, findRule } from './code-table.ts';
import { type CardNetwork, type IsoLookup, lookupIsoCode, type VisaCategory } from './iso8583.ts';
import {
  MAC_SOURCE,
  MASTERCARD_ADVICE_CODES,
  MASTERCARD_CODE_WITH_ADVICE,
  macAppliesTo,
  normaliseAdviceCode,
} from './mastercard-advice.ts';
import { NACHA_RETURN_CODES, NACHA_SOURCE, normaliseNachaCode } from './nacha.ts';
import { normaliseSepaCode, SEPA_REASON_CODES, SEPA_SOURCE } from './sepa.ts';
import {
  normaliseStripeCode,
  STRIPE_ADVICE_CODES,
  STRIPE_ADVICE_SOURCE,
  STRIPE_DECLINE_CODES,
  STRIPE_SOURCE,
} from './stripe-codes.ts';

export type { NetworkAdvice } from './advice.ts';
export type { CardNetwork, VisaCategory } from './iso8583.ts';

/** A decline exactly as a gateway reported it; adapters pass codes through untouched. */
/** Written into a classification's `why` when the issuer's reason must not reach the customer. */
export const HIDDEN_REASON_NOTE = 'reason hidden from the customer';

export type RawDecline =
  | {
      readonly scheme: 'stripe';
      /** Stripe's `decline_code` (or its error `code` when there is none). */
      readonly code: string;
      /** Stripe's `network_decline_code`: the issuer's raw response code. */
      readonly networkDeclineCode?: string;
      /** Stripe's `network_advice_code`: for Mastercard, the merchant advice code. */
      readonly networkAdviceCode?: string;
      /** Stripe's `advice_code`: try_again_later | do_not_try_again | confirm_card_data. */
      readonly adviceCode?: string;
      readonly network?: CardNetwork;
    }
  | {
      readonly scheme: 'iso8583';
      readonly code: string;
      readonly network: CardNetwork;
      readonly merchantAdviceCode?: string;
    }
  | { readonly scheme: 'nacha'; readonly code: string }
  | { readonly scheme: 'sepa'; readonly code: string }
  | { readonly scheme: 'bacs'; readonly code: string };

export type Classification = {
  readonly category: DeclineCategory;
  /** False when the code was not in our tables and fell back to `generic`. */
  readonly known: boolean;
  /** Which table, which code, which category, and the source. */
  readonly why: string;
  /** Visa's decline category, for Visa card declines whose raw response code is known. */
  readonly visaCategory: VisaCategory | null;
  readonly advice: NetworkAdvice;
  /** Lost, stolen, fraud or block-list: tell the customer only that the payment was declined. */
  readonly hideReasonFromCustomer: boolean;
  /** Automatic re-presentments of a bank debit; null for cards, where network caps apply. */
  readonly maxRepresentments: number | null;
  readonly representmentWindowDays: number | null;
};

export function classifyDecline(raw: RawDecline): Classification {
  switch (raw.scheme) {
    case 'stripe':
      return classifyCardDecline({
        stripe: { code: raw.code, adviceCode: raw.adviceCode },
        networkCode: present(raw.networkDeclineCode),
        adviceCode: present(raw.networkAdviceCode),
        network: raw.network,
      });
    case 'iso8583':
      return classifyCardDecline({
        networkCode: raw.code,
        adviceCode: present(raw.merchantAdviceCode),
        network: raw.network,
      });
    case 'nacha':
      return classifyDebitReturn(
        'NACHA return code',
        NACHA_RETURN_CODES,
        normaliseNachaCode(raw.code),
        NACHA_SOURCE,
      );
    case 'sepa':
      return classifyDebitReturn(
        'SEPA reason code',
        SEPA_REASON_CODES,
        normaliseSepaCode(raw.code),
        SEPA_SOURCE,
      );
    case 'bacs':
      return classifyDebitReturn(
        'Bacs ARUDD code',
        BACS_RETURN_CODES,
        normaliseBacsCode(raw.code),
        BACS_SOURCE,
      );
    default: {
      const unreachable: never = raw;
      // Reached only through untyped input: still an answer, never a throw.
      const scheme = JSON.stringify((unreachable as { scheme?: unknown }).scheme) ?? 'undefined';
      return unknownDecline(`decline scheme ${scheme} is not one we classify → generic`);
    }
  }
}

type CardDecline = {
  readonly stripe?: { readonly code: unknown; readonly adviceCode: unknown };
  readonly networkCode: unknown;
  readonly adviceCode: unknown;
  readonly network: CardNetwork | undefined;
};

/** What an advisory field (a MAC, Stripe's advice_code) adds to the codes' reading. */
type Contribution = {
  /** A category the field decides on its own, e.g. MAC 03 → hard. */
  readonly override?: DeclineCategory;
  readonly advice?: NetworkAdvice;
  readonly hideReason?: boolean;
  readonly why: string;
};

const NETWORK_LABELS: Readonly<Record<CardNetwork, string>> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'Amex',
  discover: 'Discover',
  other: 'card network',
};

/**
 * The network's own fields win over Stripe's summary (reference/declines.md): the raw response
 * code sets the category when we know it; a MAC, else Stripe's advice_code, may then move it to a
 * category that waits for a new method; the strictest advice of all sources stands.
 */
function classifyCardDecline(decline: CardDecline): Classification {
  const { network } = decline;
  const label = (network && findRule(NETWORK_LABELS, network)) || 'card network';
  const stripeCode = decline.stripe ? normaliseStripeCode(decline.stripe.code) : undefined;
  const stripeRule =
    stripeCode === undefined ? undefined : findRule(STRIPE_DECLINE_CODES, stripeCode);
  const iso =
    decline.networkCode === undefined ? undefined : lookupIsoCode(decline.networkCode, network);

  const why: string[] = [];
  let category: DeclineCategory = 'generic';
  let known = false;
  if (iso?.rule) {
    category = iso.rule.category;
    known = true;
    why.push(
      `${label} response code ${ruleText(iso.code, iso.rule)}${visaText(iso)} [${iso.source}]`,
    );
    if (stripeCode !== undefined) {
      const stripeCategory = stripeRule?.category ?? 'not in our table';
      why.push(
        `preferred over Stripe decline_code ${JSON.stringify(stripeCode)} (${stripeCategory})`,
      );
    }
  } else {
    if (iso) {
      why.push(
        `${label} response code ${JSON.stringify(iso.code)} is not in our table${visaText(iso)}`,
      );
    }
    if (stripeRule && stripeCode !== undefined) {
      category = stripeRule.category;
      known = true;
      why.push(`Stripe decline_code ${ruleText(stripeCode, stripeRule)} [${STRIPE_SOURCE}]`);
    } else if (stripeCode !== undefined) {
      why.push(`Stripe decline_code ${JSON.stringify(stripeCode)} is not in our table → generic`);
    } else {
      why.push('unknown codes are generic (reference/declines.md)');
    }
  }

  const contributions = [
    macContribution(decline.adviceCode, iso, network),
    stripeAdviceContribution(decline.stripe?.adviceCode),
  ].filter((c) => c !== undefined);
  for (const c of contributions) why.push(c.why);
  const override = contributions.find((c) => c.override !== undefined)?.override;
  if (override) {
    category = override;
    known = true;
  }

  const advice = strictestAdvice([
    iso?.visaCategory === 1 ? { kind: 'do_not_retry', source: 'Visa category 1' } : NO_ADVICE,
    stripeRule?.advice ?? NO_ADVICE,
    ...contributions.map((c) => c.advice ?? NO_ADVICE),
  ]);
  if (advice.kind !== 'none') why.push(describeAdvice(advice));
  const hide = Boolean(
    iso?.rule?.hideReason || stripeRule?.hideReason || contributions.some((c) => c.hideReason),
  );
  if (hide) why.push(HIDDEN_REASON_NOTE);

  return {
    category,
    known,
    why: why.join('; '),
    visaCategory: iso?.visaCategory ?? null,
    advice,
    hideReasonFromCustomer: hide,
    maxRepresentments: null,
    representmentWindowDays: null,
  };
}

/** A Mastercard merchant advice code, read on its own or paired with the response code. */
function macContribution(
  code: unknown,
  iso: IsoLookup | undefined,
  network: CardNetwork | undefined,
): Contribution | undefined {
  if (code === undefined) return undefined;
  const mac = normaliseAdviceCode(code);
  if (!macAppliesTo(network)) {
    return {
      why: `advice code ${JSON.stringify(mac)} ignored: merchant advice codes are Mastercard's`,
    };
  }
  const rule = findRule(MASTERCARD_ADVICE_CODES, mac);
  if (!rule) return { why: `Mastercard MAC ${JSON.stringify(mac)} is not in our table; ignored` };
  const pair =
    iso && network === 'mastercard'
      ? findRule(MASTERCARD_CODE_WITH_ADVICE, `${iso.code}+${mac}`)
      : undefined;
  const read = pair
    ? `Mastercard code ${iso?.code} with MAC ${mac} (${pair.meaning})`
    : `Mastercard MAC ${mac} (${rule.meaning}${noteText(rule.note)})`;
  const override = pair?.category ?? rule.category;
  return {
    override,
    advice: pair?.advice ?? rule.advice,
    hideReason: Boolean(pair?.hideReason || rule.hideReason),
    why: `${read}${override ? ` → ${override}` : ''} [${MAC_SOURCE}]`,
  };
}

/** Stripe's advice_code: Stripe's own summary, so it counts after the network's MAC. */
function stripeAdviceContribution(code: unknown): Contribution | undefined {
  if (present(code) === undefined) return undefined;
  const normal = normaliseStripeCode(code);
  const rule = findRule(STRIPE_ADVICE_CODES, normal);
  if (!rule) {
    return { why: `Stripe advice_code ${JSON.stringify(normal)} is not in our table; ignored` };
  }
  return {
    override: rule.category,
    advice: rule.advice,
    why: `Stripe advice_code ${normal} (${rule.meaning})${rule.category ? ` → ${rule.category}` : ''} [${STRIPE_ADVICE_SOURCE}]`,
  };
}

function classifyDebitReturn(
  label: string,
  table: Readonly<Record<string, DebitReturnRule>>,
  code: string,
  source: string,
): Classification {
  const rule = findRule(table, code);
  if (!rule) {
    // Unknown returns are generic but never re-presented: only listed codes may be (declines.md).
    return {
      ...unknownDecline(
        `${label} ${JSON.stringify(code)} is not in our table → generic, no automatic re-presentment [${source}]`,
      ),
      maxRepresentments: 0,
    };
  }
  const representments =
    rule.maxRepresentments === 0
      ? 'no automatic re-presentment'
      : `re-present at most ${rule.maxRepresentments} times` +
        (rule.representmentWindowDays === null
          ? ''
          : ` within ${rule.representmentWindowDays} days`);
  return {
    category: rule.category,
    known: true,
    why: `${label} ${ruleText(code, rule)}, ${representments} [${source}]`,
    visaCategory: null,
    advice: NO_ADVICE,
    hideReasonFromCustomer: rule.hideReason ?? false,
    maxRepresentments: rule.maxRepresentments,
    representmentWindowDays: rule.representmentWindowDays,
  };
}

function unknownDecline(why: string): Classification {
  return {
    category: 'generic',
    known: false,
    why,
    visaCategory: null,
    advice: NO_ADVICE,
    hideReasonFromCustomer: false,
    maxRepresentments: null,
    representmentWindowDays: null,
  };
}

/** An optional field counts only when it holds a code: Stripe sends null or '' for "none". */
function present(code: unknown): unknown {
  return codeText(code) === '' ? undefined : code;
}

function ruleText(code: string, rule: CodeRule): string {
  return `${code} (${rule.meaning}${noteText(rule.note)}) → ${rule.category}`;
}

function noteText(note: string | undefined): string {
  return note ? `; ${note}` : '';
}

function visaText(iso: IsoLookup): string {
  if (iso.visaCategory === null) return '';
  return iso.rule ? `, Visa category ${iso.visaCategory}` : ', Visa category 4 (all other codes)';
}
