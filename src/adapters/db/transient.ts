// Database errors that pass: the server is starting, restarting or out of reach for a moment. A
// process waits these out; anything else (a wrong password, a missing database) is reported.
const TRANSIENT_SQLSTATES: Readonly<Record<string, string>> = {
  '57P01': 'the server is shutting down (admin_shutdown)',
  '57P02': 'the server crashed and is restarting (crash_shutdown)',
  '57P03': 'the server is starting up (cannot_connect_now)',
  '53300': 'the server has too many connections',
  '08000': 'connection exception',
  '08001': 'the connection could not be made',
  '08003': 'the connection is gone',
  '08006': 'the connection failed',
};

const TRANSIENT_NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
]);

/** Why the error is a passing one (for the log), or null when waiting would not help. */
export function transientDatabaseReason(error: unknown): string | null {
  const e = error as { code?: string; message?: string; errors?: unknown[] };
  if (e?.code && TRANSIENT_SQLSTATES[e.code]) return TRANSIENT_SQLSTATES[e.code]!;
  if (e?.code && TRANSIENT_NETWORK.has(e.code)) return `unreachable (${e.code})`;
  // node-postgres reports a refused dual-stack connection as an AggregateError of both attempts.
  if (Array.isArray(e?.errors) && e.errors.some((inner) => transientDatabaseReason(inner)))
    return transientDatabaseReason(e.errors.find((inner) => transientDatabaseReason(inner)));
  const message = e?.message ?? '';
  if (/Connection terminated|timeout exceeded when trying to connect/i.test(message))
    return 'the connection was lost or timed out';
  return null;
}
