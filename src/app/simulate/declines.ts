// The raw declines a generated customer's card returns, read by the real classifier. Each
// (category, code, network) has its Mastercard advice options classified once, up front.
import type { DeclineCategory } from '../../domain/declines/categories.ts';
import { DECLINE_CATEGORIES } from '../../domain/declines/categories.ts';
import {
  type Classification,
  classifyDecline,
  type RawDecline,
} from '../../domain/declines/classify.ts';
import {
  CARD_NETWORKS,
  type CardNetwork,
  type DeclineCode,
  type ModelError,
  type PopulationModel,
} from './model.ts';
import { type Random, WeightedPick, weightsOf } from './prng.ts';

export function rawDecline(
  code: DeclineCode,
  network: CardNetwork,
  mac: string | null,
): RawDecline {
  return {
    scheme: 'stripe',
    code: code.code,
    network,
    ...(code.networkCode === null ? {} : { networkDeclineCode: code.networkCode }),
    ...(mac === null ? {} : { networkAdviceCode: mac }),
  };
}

/** What one card says each time it declines: its code, and a merchant advice code drawn anew. */
export type DeclineSource = {
  readonly category: DeclineCategory;
  readonly code: DeclineCode;
  readonly network: CardNetwork;
  /** Draws a classification (MACs vary per decline on Mastercard; elsewhere there is one). */
  next(random: Random): Classification;
  /** The raw decline a classification `next` drew was read from, as the gateway answered. */
  raw(drawn: Classification): RawDecline;
};

function macOptions(model: PopulationModel, category: DeclineCategory, network: CardNetwork) {
  if (network !== 'mastercard') return [{ value: null, weight: 1 }];
  return weightsOf(model.mastercardAdvice[category]).map((o) => ({
    value: o.value === 'none' ? null : o.value,
    weight: o.weight,
  }));
}

export class DeclineSources {
  private readonly byKey = new Map<string, DeclineSource>();

  constructor(private readonly model: PopulationModel) {}

  get(category: DeclineCategory, codeIndex: number, network: CardNetwork): DeclineSource {
    const key = `${category}|${codeIndex}|${network}`;
    let source = this.byKey.get(key);
    if (!source) {
      const code = this.model.declineCodes[category][codeIndex]!;
      const raws = new Map<Classification, RawDecline>();
      const options = macOptions(this.model, category, network).map((o) => {
        const raw = rawDecline(code, network, o.value);
        const value = classifyDecline(raw);
        raws.set(value, raw);
        return { value, weight: o.weight };
      });
      const only = options.length === 1 ? options[0]!.value : null;
      const picker = new WeightedPick(options);
      source = {
        category,
        code,
        network,
        next: only ? () => only : (random) => picker.pick(random),
        raw: (drawn) => {
          const raw = raws.get(drawn);
          if (!raw) throw new Error(`no raw decline for ${drawn.why}`);
          return raw;
        },
      };
      this.byKey.set(key, source);
    }
    return source;
  }
}

/**
 * Every code of a category, on every network the model uses, with every advice code it lists,
 * must classify as that category; otherwise the mix would not mean what it says.
 */
export function checkDeclineCodes(model: PopulationModel): ModelError | null {
  const networks = CARD_NETWORKS.filter((n) => (model.networks[n] ?? 0) > 0);
  for (const category of DECLINE_CATEGORIES) {
    for (const [i, code] of model.declineCodes[category].entries()) {
      for (const network of networks) {
        const plain = classifyDecline(rawDecline(code, network, null));
        if (plain.category !== category) {
          return {
            path: `declineCodes.${category}[${i}]`,
            problem: `classifies as ${plain.category} on ${network}, not ${category} (${plain.why})`,
          };
        }
        if (network !== 'mastercard') continue;
        for (const mac of Object.keys(model.mastercardAdvice[category])) {
          if (mac === 'none') continue;
          const withMac = classifyDecline(rawDecline(code, network, mac));
          if (withMac.category !== category) {
            return {
              path: `mastercardAdvice.${category}.${mac}`,
              problem: `turns ${category} declines (${code.code}) into ${withMac.category}; list only advice codes that keep the category`,
            };
          }
        }
      }
    }
  }
  return null;
}
