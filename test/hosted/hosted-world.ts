// A test merchant whose customer owes money on an open dunning case, with the signed update link
// that the messages carry, and helpers to open and post the hosted page through inject().
import type { FastifyInstance } from 'fastify';
import type { TestCardName } from '../../src/adapters/gateways/test-gateway/cards.ts';
import { issueUpdateLink } from '../../src/app/update-links/update-links.ts';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { at } from '../support/world.ts';

export type HostedWorld = Awaited<ReturnType<typeof createHostedWorld>>;

/** The renewal on Mar 5, 10:00 is declined with `card`'s decline; the case stays open. */
export const RENEWAL_AT = at('2026-03-05T10:00:00Z');

export async function createHostedWorld(options: { graceDays?: number } = {}) {
  const world: ApiWorld = await createApiWorld({
    preset: 'gentle_30',
    start: at('2026-03-01T00:00:00Z'),
    ...(options.graceDays !== undefined ? { graceDays: options.graceDays } : {}),
  });
  return {
    ...world,
    /** A subscription whose renewal was declined: its open case and a fresh update link. */
    async owing(s: {
      card: TestCardName;
      priceMinor?: number;
      currency?: string;
      locale?: string;
      timeZone?: string;
      linkTtlMs?: number;
    }) {
      const subscriptionId = await world.subscribe({
        card: s.card,
        periodStart: at('2026-02-05T10:00:00Z'),
        ...(s.priceMinor !== undefined ? { priceMinor: s.priceMinor } : {}),
        ...(s.currency ? { currency: s.currency } : {}),
        ...(s.timeZone ? { timeZone: s.timeZone } : {}),
      });
      if (s.locale) {
        const sub = await world.subscription(subscriptionId);
        await world.db
          .updateTable('customers')
          .set({ locale: s.locale })
          .where('merchant_id', '=', world.merchantId)
          .where('customer_id', '=', sub.row.customer_id)
          .execute();
      }
      const now = await world.now();
      await world.advanceTo(now.getTime() < RENEWAL_AT.getTime() ? RENEWAL_AT : now);
      const c = await world.latestCase(subscriptionId);
      if (c?.status !== 'open') throw new Error(`no open case for ${s.card}`);
      const link = await issueLink(world, c.case_id, s.linkTtlMs);
      return { subscriptionId, caseId: c.case_id, ...link };
    },
    issueLink: (caseId: string, ttlMs?: number) => issueLink(world, caseId, ttlMs),
    /** GET a hosted page path. */
    get: (url: string) => world.app.inject({ method: 'GET', url }),
    /** POST a form as a browser without JavaScript does. */
    post: (url: string, form: Record<string, string>) => postForm(world.app, url, form),
    async caseRow(caseId: string) {
      return world.db
        .selectFrom('dunning_cases')
        .selectAll()
        .where('merchant_id', '=', world.merchantId)
        .where('case_id', '=', caseId)
        .executeTakeFirstOrThrow();
    },
    async linkRow(linkId: string) {
      return world.db
        .selectFrom('update_links')
        .selectAll()
        .where('merchant_id', '=', world.merchantId)
        .where('link_id', '=', linkId)
        .executeTakeFirstOrThrow();
    },
    async methodOf(subscriptionId: string) {
      const sub = await world.subscription(subscriptionId);
      return world.db
        .selectFrom('payment_methods')
        .selectAll()
        .where('merchant_id', '=', world.merchantId)
        .where('payment_method_id', '=', sub.row.payment_method_id!)
        .executeTakeFirstOrThrow();
    },
    async eventTypes(subscriptionId: string) {
      return (await world.events(subscriptionId)).map((e) => e.type);
    },
  };
}

async function issueLink(world: ApiWorld, caseId: string, ttlMs = 14 * 86_400_000) {
  const now = await world.now();
  const issued = await world.db.transaction().execute((trx) =>
    issueUpdateLink(trx, {
      merchantId: world.merchantId,
      caseId,
      at: now,
      expiresAt: new Date(now.getTime() + ttlMs),
      publicUrl: world.services.config.publicUrl,
    }),
  );
  return { token: issued.token, linkId: issued.linkId, path: `/pay/${issued.token}` };
}

export function postForm(app: FastifyInstance, url: string, form: Record<string, string>) {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(form).toString(),
  });
}

/** The visible text of a page, tags stripped and whitespace folded, for "the customer reads …". */
export function textOf(html: string): string {
  return html
    .replace(/<\/?span[^>]*>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
