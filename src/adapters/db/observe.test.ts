import { describe, expect, it } from 'vitest';
import { kindOfStatement } from './observe.ts';

describe('kindOfStatement', () => {
  it.each([
    ['begin', 'begin'],
    ['start transaction isolation level serializable', 'begin'],
    ['commit', 'commit'],
    ['rollback', 'rollback'],
    ['rollback to savepoint "sp1"', 'statement'],
    ['savepoint "sp1"', 'statement'],
    ['  select 1', 'statement'],
    ['insert into "events" ("type") values ($1)', 'statement'],
  ] as const)('%s → %s', (sql, kind) => {
    expect(kindOfStatement(sql)).toBe(kind);
  });
});
