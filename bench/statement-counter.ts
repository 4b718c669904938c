// Counts what the engine sends to the database, from openDatabase's observer: statements, and
// commits (explicit COMMITs plus writes sent outside a transaction, each its own commit). The
// test gateway's ledger (the simulated processor) is counted apart from the engine.
import type { DatabaseEvent } from '../src/adapters/db/observe.ts';

export type StatementCounts = {
  engineStatements: number;
  engineCommits: number;
  ledgerStatements: number;
  ledgerCommits: number;
  rollbacks: number;
};

const WRITE = /^\s*(insert|update|delete|merge|with\b[\s\S]*\b(insert|update|delete)\b)/i;

export function statementCounter() {
  let counting = false;
  const open = new Set<number>();
  const counts: StatementCounts = {
    engineStatements: 0,
    engineCommits: 0,
    ledgerStatements: 0,
    ledgerCommits: 0,
    rollbacks: 0,
  };
  const observe = (e: DatabaseEvent) => {
    const connection = e.connection ?? 0;
    if (e.kind === 'begin') open.add(connection);
    if (e.kind === 'commit' || e.kind === 'rollback') open.delete(connection);
    if (!counting) return;
    const ledger = e.sql?.includes('"test_gateway_charges"') ?? false;
    const autocommit = e.kind === 'statement' && !open.has(connection) && WRITE.test(e.sql ?? '');
    switch (e.kind) {
      case 'statement':
        if (ledger) counts.ledgerStatements += 1;
        else counts.engineStatements += 1;
        if (autocommit) {
          if (ledger) counts.ledgerCommits += 1;
          else counts.engineCommits += 1;
        }
        break;
      case 'commit':
        counts.engineCommits += 1;
        break;
      case 'rollback':
        counts.rollbacks += 1;
        break;
      case 'begin':
        break;
      default: {
        const unreachable: never = e.kind;
        throw new Error(`unknown database event ${unreachable}`);
      }
    }
  };
  return {
    observe,
    /** Counts what is sent from now until the returned function is called, and returns it. */
    start(): () => StatementCounts {
      for (const k of Object.keys(counts) as (keyof StatementCounts)[]) counts[k] = 0;
      counting = true;
      return () => {
        counting = false;
        return { ...counts };
      };
    },
  };
}
