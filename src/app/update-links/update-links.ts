// Signed, expiring, single-purpose update links (SPEC section 6). One link opens the hosted page for
// one case. The token is `<merchant>.<link>.<expiry>.<signature>`, signed with the merchant's own
// key (HMAC-SHA256), so a changed character is caught before any lookup; the row then says whether
// the link expired or was used.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../adapters/db/connect.ts';
import { findCaseLinkFacts } from '../../adapters/db/dunning-cases.repo.ts';
import {
  countUpdateLinkVisit,
  ensureLinkSigningKey,
  findLinkSigningKey,
  findUpdateLink,
  insertUpdateLink,
  markCaseUpdateLinksUsed,
} from '../../adapters/db/update-links.repo.ts';
import type { SubscriptionState } from '../../domain/subscription/state.ts';
import { updateLinkValidity } from '../../domain/subscription/update-link.ts';
import { newId } from '../ids.ts';

export type { UpdateLinkRow } from '../../adapters/db/update-links.repo.ts';

import type { UpdateLinkRow } from '../../adapters/db/update-links.repo.ts';

/** Default life of a link when the message does not set one. */
export const DEFAULT_LINK_TTL_MS = 14 * 86_400_000;

export type IssuedUpdateLink = { linkId: string; token: string; url: string; expiresAt: Date };

export type LinkRejection = 'tampered' | 'expired' | 'used' | 'not_found';

export type VerifiedLink = { ok: true; link: UpdateLinkRow } | { ok: false; reason: LinkRejection };

/** The hosted page of a token, under where customers reach this instance (PUBLIC_URL). */
export function updateLinkUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/pay/${token}`;
}

export async function issueUpdateLink(
  trx: Db,
  input: {
    merchantId: string;
    caseId: string;
    messageId?: string | null;
    at: Date;
    expiresAt?: Date;
    /** Where customers reach this instance (config.publicUrl). */
    publicUrl: string;
  },
): Promise<IssuedUpdateLink> {
  const linkId = newId('lnk');
  const expiresAt = input.expiresAt ?? new Date(input.at.getTime() + DEFAULT_LINK_TTL_MS);
  await insertUpdateLink(trx, {
    merchant_id: input.merchantId,
    link_id: linkId,
    case_id: input.caseId,
    message_id: input.messageId ?? null,
    issued_at: input.at,
    expires_at: expiresAt,
  });
  const key = await signingKey(trx, input.merchantId);
  const body = `${input.merchantId}.${linkId}.${Math.floor(expiresAt.getTime() / 1000)}`;
  const token = `${body}.${sign(key, body)}`;
  return { linkId, token, url: updateLinkUrl(input.publicUrl, token), expiresAt };
}

/** Checks a token at the merchant's business time `now`. Reveals nothing beyond the reason. */
export async function verifyUpdateLinkToken(
  db: Db,
  token: string,
  now: Date | ((merchantId: string) => Promise<Date>),
): Promise<VerifiedLink> {
  const parts = token.split('.');
  if (parts.length !== 4) return { ok: false, reason: 'tampered' };
  const [merchantId, linkId, expiry, signature] = parts as [string, string, string, string];
  if (!/^[a-z]+_[0-9a-z]+$/.test(merchantId) || !/^lnk_[0-9a-z]+$/.test(linkId))
    return { ok: false, reason: 'tampered' };
  const secret = await findLinkSigningKey(db, merchantId);
  if (!secret) return { ok: false, reason: 'tampered' };
  const expected = Buffer.from(sign(secret, `${merchantId}.${linkId}.${expiry}`));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'tampered' };
  const link = await findUpdateLink(db, merchantId, linkId);
  if (!link) return { ok: false, reason: 'not_found' };
  if (link.used_at) return { ok: false, reason: 'used' };
  const at = typeof now === 'function' ? await now(merchantId) : now;
  if (at.getTime() >= link.expires_at.getTime()) return { ok: false, reason: 'expired' };
  const facts = await findCaseLinkFacts(db, merchantId, link.case_id);
  if (facts && !hardDeclineLinkWorks({ sub_state: facts.state, ...facts }, at))
    return { ok: false, reason: 'expired' };
  return { ok: true, link };
}

/**
 * Every link of a case where hard-decline dunning sent its message, whichever message carried it,
 * works only while SPEC section 4 allows: subscription active or in grace; no grace, 3 hours.
 */
export function hardDeclineLinkWorks(
  facts: {
    sub_state: SubscriptionState;
    grace_days: number;
    past_due_since: Date | null;
    hard_declined_at: Date | null;
  },
  at: Date,
): boolean {
  if (!facts.hard_declined_at) return true;
  return updateLinkValidity(
    {
      state: facts.sub_state,
      graceDays: facts.grace_days,
      pastDueSince: facts.past_due_since,
      declinedAt: facts.hard_declined_at,
    },
    at,
  ).valid;
}

/** Counts a visit (the click metric of the message that carried the link). */
export async function recordUpdateLinkVisit(db: Db, link: UpdateLinkRow, at: Date): Promise<void> {
  await countUpdateLinkVisit(db, link.merchant_id, link.link_id, at);
}

/** Single purpose: once the payment went through, the link (and every other link of the case) is spent. */
export async function markUpdateLinkUsed(trx: Db, link: UpdateLinkRow, at: Date): Promise<void> {
  await markCaseUpdateLinksUsed(trx, link.merchant_id, link.case_id, at);
}

function sign(key: string, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}

async function signingKey(trx: Db, merchantId: string): Promise<string> {
  return ensureLinkSigningKey(trx, merchantId, randomBytes(32).toString('base64url'));
}
