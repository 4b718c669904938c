// Dashboard sessions: an operator's password or an API key starts one; its cookie reaches /v1;
// changing requests need the CSRF header; ten wrong passwords in a row pause sign-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  endSession,
  LOCKOUT_MS,
  MAX_FAILED_SIGN_INS,
  SESSION_COOKIE,
  startSession,
} from '../../src/app/access/sessions.ts';
import type { fixedClock } from '../../src/app/clock.ts';
import { unwrap } from '../../src/app/result.ts';
import { type ApiWorld, createApiWorld } from '../support/api.ts';

let w: ApiWorld;
const email = 'ops@scenario.example';
const password = 'a long operator password';

beforeAll(async () => {
  w = await createApiWorld();
  unwrap(await createOperator(w.db, { merchantId: w.merchantId, email, password }));
});
afterAll(() => w.close());

const withCookie = (cookie: string, extra: Record<string, string> = {}) => ({
  key: null,
  headers: { cookie: `${SESSION_COOKIE}=${cookie}`, ...extra },
});

describe('sessions', () => {
  it('a password session reads /v1 as its merchant, and ends at sign-out', async () => {
    const started = unwrap(
      await startSession(w.services, { email: email.toUpperCase(), password }),
    );
    expect(started.merchantId).toBe(w.merchantId);
    const res = await w.api('GET', '/v1/merchant', withCookie(started.cookie));
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(w.merchantId);
    await endSession(w.services, started.cookie);
    expect((await w.api('GET', '/v1/merchant', withCookie(started.cookie))).status).toBe(401);
  });

  it('a changing request with the cookie needs X-Requested-With, and changes nothing without it', async () => {
    const { cookie } = unwrap(await startSession(w.services, { apiKey: w.key }));
    const body = { name: 'Cookie Customer', email: 'cookie@example.com' };
    const refused = await w.api('POST', '/v1/customers', { ...withCookie(cookie), body });
    expect(refused.status).toBe(401);
    expect(refused.body.error.field).toBe('X-Requested-With');
    const list = await w.api('GET', '/v1/customers');
    expect(list.body.data.map((c: { email: string }) => c.email)).not.toContain(body.email);
    const accepted = await w.api('POST', '/v1/customers', {
      ...withCookie(cookie, { 'x-requested-with': 'dunner-dashboard' }),
      body,
    });
    expect(accepted.status).toBe(201);
  });

  it('a wrong password and an unknown email get the same answer', async () => {
    const wrong = await startSession(w.services, { email, password: 'not the password' });
    const unknown = await startSession(w.services, { email: 'nobody@example.com', password });
    expect(wrong.ok || unknown.ok).toBe(false);
    if (!wrong.ok && !unknown.ok) expect(wrong.error).toEqual(unknown.error);
    // A correct password resets the count of wrong ones.
    unwrap(await startSession(w.services, { email, password }));
  });

  it(`pauses sign-in for 15 minutes after ${MAX_FAILED_SIGN_INS} wrong passwords in a row`, async () => {
    for (let i = 0; i < MAX_FAILED_SIGN_INS; i++) {
      const r = await startSession(w.services, { email, password: `wrong ${i}` });
      expect(r.ok).toBe(false);
    }
    const locked = await startSession(w.services, { email, password });
    expect(locked.ok).toBe(false);
    if (!locked.ok) expect(locked.error.code).toBe('too_many_attempts');
    (w.deps.clock as ReturnType<typeof fixedClock>).advanceMs(LOCKOUT_MS + 1000);
    const after = await startSession(w.services, { email, password });
    expect(after.ok).toBe(true);
  });
});
