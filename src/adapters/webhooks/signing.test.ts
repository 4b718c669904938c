import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newSigningSecret, sign, webhookHeaders } from './signing.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('Standard Webhooks signatures', () => {
  it('matches the published example of the scheme', () => {
    // The example in the Standard Webhooks specification and the Svix documentation.
    expect(
      sign(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('makes secrets of whsec_ and base64 of 32 random bytes, never twice the same', () => {
    const a = newSigningSecret();
    const b = newSigningSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('is verified by the standardwebhooks library, with one secret and with two', () => {
    const oldSecret = newSigningSecret();
    const newSecret = newSigningSecret();
    const body = JSON.stringify({
      type: 'payment.failed',
      timestamp: '2026-03-02T15:00:00.000Z',
      data: {},
    });
    const at = new Date('2026-03-02T15:00:07Z');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(at);
    const ts = Math.floor(at.getTime() / 1000);

    const single = webhookHeaders([newSecret], 'evt_1', ts, body);
    expect(new Webhook(newSecret).verify(body, single)).toEqual(JSON.parse(body));
    expect(() => new Webhook(oldSecret).verify(body, single)).toThrow('No matching signature');

    const rotated = webhookHeaders([newSecret, oldSecret], 'evt_1', ts, body);
    expect(rotated['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(newSecret).verify(body, rotated)).toEqual(JSON.parse(body));
    expect(new Webhook(oldSecret).verify(body, rotated)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSecret).verify(`${body} `, rotated)).toThrow();
  });
});
