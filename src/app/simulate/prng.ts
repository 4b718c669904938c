// Seeded randomness for the simulator: streams derived per customer from one run seed.
import type { Random } from '../../domain/random.ts';

export { mulberry32, type Random } from '../../domain/random.ts';

/** A well-mixed 32-bit seed for stream `stream` of item `index` (splitmix-style finaliser). */
export function deriveSeed(seed: number, index: number, stream: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Draws from weighted options; weights need not sum to 1 exactly. */
export class WeightedPick<T> {
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(private readonly options: readonly { value: T; weight: number }[]) {
    let sum = 0;
    for (const o of options) {
      sum += o.weight;
      this.cumulative.push(sum);
    }
    this.total = sum;
    if (options.length === 0 || sum <= 0) throw new RangeError('nothing to pick from');
  }

  pick(random: Random): T {
    const r = random() * this.total;
    for (let i = 0; i < this.cumulative.length; i++) {
      if (r < this.cumulative[i]!) return this.options[i]!.value;
    }
    // Rounding can leave r at the very top: the last option with weight takes it.
    for (let i = this.options.length - 1; i >= 0; i--) {
      if (this.options[i]!.weight > 0) return this.options[i]!.value;
    }
    return this.options[this.options.length - 1]!.value;
  }
}

export function weightsOf<K extends string>(
  record: Readonly<Partial<Record<K, number>>>,
): { value: K; weight: number }[] {
  return (Object.entries(record) as [K, number][]).map(([value, weight]) => ({ value, weight }));
}
