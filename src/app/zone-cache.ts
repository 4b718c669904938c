// The engine's date math runs through luxon, which asks Intl for a zone's UTC offset on every
// call and builds a new Intl.DateTimeFormat to validate a zone name (retry-timing/local-time.ts,
// pay-cycle.ts). A simulation or a worker makes millions of such calls over a few zones, so for
// the length of a run (a worker's: its life) we memoise both. Exact: a zone name is valid or not for the life of the process, and an
// offset is cached per hour only when it is the same at both ends of the hour; an hour with a
// change inside is never cached (no zone changes its offset twice within one hour).
import { IANAZone } from 'luxon';

const SLOT_MS = 60 * 60_000;

type OffsetFn = (this: IANAZone, ts: number) => number;

let installs = 0;
let originalOffset: OffsetFn | null = null;
let originalIsValidZone: ((zone: string) => boolean) | null = null;

/** Installs the memos; returns the function that removes them. Nested installs are counted. */
export function installZoneCache(): () => void {
  if (installs++ === 0) {
    const offset: OffsetFn = IANAZone.prototype.offset;
    const isValidZone = IANAZone.isValidZone.bind(IANAZone);
    originalOffset = offset;
    originalIsValidZone = IANAZone.isValidZone;
    const offsets = new Map<string, Map<number, number>>();
    const valid = new Map<string, boolean>();
    IANAZone.prototype.offset = function cachedOffset(this: IANAZone, ts: number): number {
      if (!Number.isFinite(ts)) return offset.call(this, ts);
      const slot = Math.floor(ts / SLOT_MS);
      let byZone = offsets.get(this.name);
      if (!byZone) {
        byZone = new Map();
        offsets.set(this.name, byZone);
      }
      const known = byZone.get(slot);
      if (known !== undefined) return known;
      const start = offset.call(this, slot * SLOT_MS);
      const end = offset.call(this, slot * SLOT_MS + SLOT_MS - 1);
      if (start !== end || Number.isNaN(start)) return offset.call(this, ts);
      byZone.set(slot, start);
      return start;
    };
    IANAZone.isValidZone = (zone: string): boolean => {
      let ok = valid.get(zone);
      if (ok === undefined) {
        ok = isValidZone(zone);
        valid.set(zone, ok);
      }
      return ok;
    };
  }
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    if (--installs === 0 && originalOffset && originalIsValidZone) {
      IANAZone.prototype.offset = originalOffset;
      IANAZone.isValidZone = originalIsValidZone;
      originalOffset = null;
      originalIsValidZone = null;
    }
  };
}
