// A binary min-heap of (time, key) pairs in typed arrays: the simulation's clock jumps from one
// due event to the next. Equal times pop in key order, so a run never depends on insertion order.

export class EventQueue {
  private times = new Float64Array(1024);
  private keys = new Int32Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(timeMs: number, key: number): void {
    if (this.count === this.times.length) this.grow();
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(timeMs, key, this.times[parent]!, this.keys[parent]!)) break;
      this.times[i] = this.times[parent]!;
      this.keys[i] = this.keys[parent]!;
      i = parent;
    }
    this.times[i] = timeMs;
    this.keys[i] = key;
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTime(): number {
    return this.count === 0 ? Number.POSITIVE_INFINITY : this.times[0]!;
  }

  /** Removes the earliest event and returns its key (check peekTime first). */
  pop(): number {
    const top = this.keys[0]!;
    const last = --this.count;
    const time = this.times[last]!;
    const key = this.keys[last]!;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= last) break;
      const right = left + 1;
      const child =
        right < last &&
        this.before(this.times[right]!, this.keys[right]!, this.times[left]!, this.keys[left]!)
          ? right
          : left;
      if (!this.before(this.times[child]!, this.keys[child]!, time, key)) break;
      this.times[i] = this.times[child]!;
      this.keys[i] = this.keys[child]!;
      i = child;
    }
    this.times[i] = time;
    this.keys[i] = key;
    return top;
  }

  private before(t1: number, k1: number, t2: number, k2: number): boolean {
    return t1 < t2 || (t1 === t2 && k1 < k2);
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    const keys = new Int32Array(this.keys.length * 2);
    keys.set(this.keys);
    this.times = times;
    this.keys = keys;
  }
}
