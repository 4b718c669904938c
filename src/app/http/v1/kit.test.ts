// One catalogue of error codes: the code, its HTTP status and docs/errors.md must agree.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../result.ts';
import { ERROR_STATUS, pageOf } from './kit.ts';

describe('error catalogue', () => {
  const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| (.+) \|$/gm)].map((m) => ({
    code: m[1]!,
    status: Number(m[2]),
    meaning: m[3]!,
  }));

  it('docs/errors.md lists every code with its status and meaning, and nothing else', () => {
    expect(rows.map((r) => r.code).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const row of rows) {
      const code = row.code as keyof typeof ERROR_CODES;
      expect(row.status, row.code).toBe(ERROR_STATUS[code]);
      expect(row.meaning, row.code).toBe(ERROR_CODES[code]);
    }
  });
});

describe('pageOf', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `c_${i}` }));

  it('says there is more when the extra row came back, and where to continue', () => {
    const page = pageOf(
      ids(4),
      3,
      (r) => r.id,
      (r) => r.id,
    );
    expect(page).toEqual({
      object: 'list',
      data: ['c_0', 'c_1', 'c_2'],
      has_more: true,
      next_cursor: 'c_2',
    });
  });

  it('ends the list when no extra row came back', () => {
    const page = pageOf(
      ids(3),
      3,
      (r) => r.id,
      (r) => r.id,
    );
    expect(page).toEqual({
      object: 'list',
      data: ['c_0', 'c_1', 'c_2'],
      has_more: false,
      next_cursor: null,
    });
  });
});
