import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { installZoneCache } from './zone-cache.ts';

const ZONES = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'UTC'];

describe('zone cache', () => {
  it('gives the same offsets as luxon, minute by minute across DST changes', () => {
    // US DST starts 8 Mar 2026, EU 29 Mar; Lord Howe shifts by 30 minutes on 5 Apr.
    const from = Date.parse('2026-03-07T00:00:00Z');
    const to = Date.parse('2026-04-06T00:00:00Z');
    const plain = ZONES.map((z) => {
      const zone = IANAZone.create(z);
      const out: number[] = [];
      for (let t = from; t < to; t += 7 * 60_000) out.push(zone.offset(t));
      return out;
    });
    const remove = installZoneCache();
    try {
      const cached = ZONES.map((z) => {
        const zone = IANAZone.create(z);
        const out: number[] = [];
        for (let t = from; t < to; t += 7 * 60_000) out.push(zone.offset(t));
        return out;
      });
      expect(cached).toEqual(plain);
      expect(DateTime.fromISO('2026-03-08T03:30', { zone: 'America/New_York' }).toISO()).toBe(
        '2026-03-08T03:30:00.000-04:00',
      );
      expect(IANAZone.isValidZone('Mars/Olympus')).toBe(false);
      expect(IANAZone.isValidZone('Europe/Berlin')).toBe(true);
    } finally {
      remove();
    }
  });

  it('puts luxon back as it was when removed', () => {
    const offset = IANAZone.prototype.offset;
    const isValidZone = IANAZone.isValidZone;
    const removeOuter = installZoneCache();
    const removeInner = installZoneCache();
    removeInner();
    expect(IANAZone.prototype.offset).not.toBe(offset);
    removeOuter();
    expect(IANAZone.prototype.offset).toBe(offset);
    expect(IANAZone.isValidZone).toBe(isValidZone);
  });
});
