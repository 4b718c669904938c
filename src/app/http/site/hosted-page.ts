// The hosted update page behind a signed update link (SPEC section 6): server-rendered HTML that
// works without JavaScript. GET shows what is owed; POST takes a new card (or a gateway token) and
// pays at once; /authenticate runs the test gateway's simulated issuer challenge for SCA. A case
// billed to a Stripe payment method takes the new card in Stripe's own fields instead (Stripe.js,
// the one page that runs a script: docs/stripe.md). Templates, CSS and that script live in
// web/hosted/; Liquid escapes every value it outputs.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import { Liquid } from 'liquidjs';
import {
  createStripeAccounts,
  type StripeAccounts,
} from '../../../adapters/gateways/stripe/accounts.ts';
import { isStripeToken } from '../../../adapters/gateways/stripe/token.ts';
import {
  formatDateForCustomer,
  formatDateTimeForCustomer,
  formatMoneyForCustomer,
} from '../../../domain/messages/format.ts';
import { brandName, cardExpiry } from '../../../domain/messages/wording.ts';
import { newId } from '../../ids.ts';
import type { UseCaseError } from '../../result.ts';
import { prepareCardSetup, verifyCardSetup } from '../../stripe/card-setup.ts';
import { type PayOutcome, payFromUpdateLink } from '../../use-cases/pay-from-update-link.ts';
import type { NewMethod } from '../../use-cases/update-link-method.ts';
import {
  type HostedView,
  type MaskedMethod,
  openUpdateLink,
  type Rejection,
} from '../../use-cases/update-link-view.ts';
import type { Services, SitePlugin } from '../v1/kit.ts';

const WEB_DIR = fileURLToPath(new URL('../../../../web/hosted/', import.meta.url));
const CSS = readFileSync(`${WEB_DIR}hosted.css`);
const CSS_URL = `/pay/assets/hosted.css?v=${createHash('sha256').update(CSS).digest('hex').slice(0, 12)}`;
const STRIPE_JS = readFileSync(`${WEB_DIR}stripe-fields.js`);
const STRIPE_JS_URL = `/pay/assets/stripe-fields.js?v=${createHash('sha256').update(STRIPE_JS).digest('hex').slice(0, 12)}`;

const liquid = new Liquid({
  root: WEB_DIR,
  extname: '.liquid',
  outputEscape: 'escape',
  strictVariables: true,
  strictFilters: true,
  cache: true,
});

// The page carries personal data and a bearer token in its URL: never cached, never sent on as a
// Referer, never framed, never indexed.
const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
} as const;

/** A page with Stripe's card fields also runs Stripe.js, its frames, and its API calls. */
const STRIPE_CSP = `${PAGE_HEADERS['content-security-policy']}; script-src 'self' https://js.stripe.com; frame-src https://js.stripe.com; connect-src https://api.stripe.com`;

type PageContext = { services: Services; accounts: StripeAccounts };

const hostedPage: SitePlugin = async (app, { services }) => {
  const accounts =
    services.stripeAccounts ??
    createStripeAccounts(services.db, {
      env: {
        secretKey: services.config.stripeSecretKey,
        webhookSecret: services.config.stripeWebhookSecret,
        publishableKey: services.config.stripePublishableKey,
        merchantId: services.config.stripeMerchantId,
      },
    });
  const ctx: PageContext = { services, accounts };
  app.register(
    async (pay) => {
      pay.addHook('onSend', async (request, reply) => {
        if (request.routeOptions.url?.startsWith('/pay/assets/')) return;
        // A page showing Stripe's fields set its wider policy itself; every other page is strict.
        const csp = reply.getHeader('content-security-policy');
        reply.headers(PAGE_HEADERS);
        if (csp === STRIPE_CSP) reply.header('content-security-policy', STRIPE_CSP);
      });
      // Errors and unknown paths under /pay get a page, not the API's JSON.
      pay.setNotFoundHandler((_request, reply) => rejected(reply, 'not_found'));
      pay.setErrorHandler(async (error, request, reply) => {
        const reference = newId('err');
        request.log.error({ err: error, reference }, 'hosted page failed');
        const code = (error as { statusCode?: number }).statusCode;
        const status = code && code >= 400 && code < 500 ? code : 500;
        reply.removeHeader('content-security-policy');
        return page(reply, status, 'error', { title: 'Something went wrong', reference });
      });

      pay.get('/assets/hosted.css', async (_request, reply) =>
        reply
          .header('content-type', 'text/css; charset=utf-8')
          .header('cache-control', 'public, max-age=31536000, immutable')
          .send(CSS),
      );
      pay.get('/assets/stripe-fields.js', async (_request, reply) =>
        reply
          .header('content-type', 'text/javascript; charset=utf-8')
          .header('cache-control', 'public, max-age=31536000, immutable')
          .header('x-content-type-options', 'nosniff')
          .send(STRIPE_JS),
      );

      pay.get<{ Params: { token: string } }>('/:token', async (request, reply) => {
        const opened = await openUpdateLink(services, request.params.token, { countVisit: true });
        if (opened.kind === 'rejected') return rejected(reply, opened.reason);
        return payPage(ctx, reply, 200, request.params.token, opened.view, {});
      });

      pay.post<{ Params: { token: string }; Body: unknown }>('/:token', async (request, reply) => {
        const { token } = request.params;
        const form = formOf(request.body);
        if (
          form.payment_method_token === '' &&
          (form.card_number.trim() === '' || form.exp.trim() === '')
        ) {
          // Every missing field is named at once; the use case checks the values themselves.
          const opened = await openUpdateLink(services, token);
          if (opened.kind === 'rejected') return rejected(reply, opened.reason);
          return payPage(ctx, reply, 422, token, opened.view, {
            exp: form.exp,
            errors: {
              ...(form.card_number.trim() === '' ? { card_number: 'Enter your card number.' } : {}),
              ...(form.exp.trim() === '' ? { exp: 'Enter the expiry date, as MM/YY.' } : {}),
            },
          });
        }
        let method: NewMethod =
          form.payment_method_token !== ''
            ? { kind: 'gateway_token', token: form.payment_method_token }
            : { kind: 'test_card', number: form.card_number, exp: form.exp };
        if (isStripeToken(form.payment_method_token)) {
          const opened = await openUpdateLink(services, token);
          if (opened.kind === 'rejected') return rejected(reply, opened.reason);
          // With the merchant's Stripe key, a Stripe method is charged only once Stripe confirms
          // that this page's SetupIntent saved it: never one the browser names on its own.
          const settings = await accounts.settingsFor(opened.view.merchantId);
          if (settings?.secretKey) {
            const checked = await verifyCardSetup(accounts, opened.view, {
              token: form.payment_method_token,
              setupIntent: form.setup_intent,
            });
            if (!checked.ok) return respond(ctx, reply, token, checked, {});
            method = { kind: 'stripe_card', ...checked.value };
          }
        }
        const result = await payFromUpdateLink(services, { token, method });
        return respond(ctx, reply, token, result, { exp: form.exp });
      });

      // The issuer's challenge (3-D Secure), simulated for the test gateway's cards.
      pay.get<{ Params: { token: string } }>('/:token/authenticate', async (request, reply) => {
        const { token } = request.params;
        const opened = await openUpdateLink(services, token);
        if (opened.kind === 'rejected') return rejected(reply, opened.reason);
        if (!opened.view.canAuthenticateHere) return reply.redirect(payUrl(token), 303);
        return challengePage(reply, token, opened.view);
      });

      pay.post<{ Params: { token: string }; Body: unknown }>(
        '/:token/authenticate',
        async (request, reply) => {
          const { token } = request.params;
          const form = formOf(request.body);
          if (form.decision !== 'approve') {
            // Declined at the bank: nothing was charged; the customer may try again.
            const opened = await openUpdateLink(services, token);
            if (opened.kind === 'rejected') return rejected(reply, opened.reason);
            return payPage(ctx, reply, 200, token, opened.view, {
              notice: {
                tone: 'error',
                text: "You didn't confirm the payment with your bank, so nothing was charged. Confirm it again or pay with a different card.",
              },
            });
          }
          const result = await payFromUpdateLink(services, {
            token,
            method: { kind: 'authenticated', paymentMethodId: form.payment_method },
          });
          return respond(ctx, reply, token, result, {});
        },
      );
    },
    { prefix: '/pay' },
  );
};

export default hostedPage;

type Form = {
  card_number: string;
  exp: string;
  payment_method_token: string;
  payment_method: string;
  setup_intent: string;
  decision: string;
};

/** The form's text fields; anything else (or a repeated field) counts as empty. */
function formOf(body: unknown): Form {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const text = (name: string) => {
    const v = b[name];
    return typeof v === 'string' ? v.slice(0, 300) : '';
  };
  return {
    card_number: text('card_number'),
    exp: text('exp'),
    payment_method_token: text('payment_method_token'),
    payment_method: text('payment_method'),
    setup_intent: text('setup_intent'),
    decision: text('decision'),
  };
}

type Notice = { tone: 'error' | 'info'; text: string };

type PayPageState = {
  notice?: Notice;
  /** Field errors, by form field name. */
  errors?: Partial<Record<'card_number' | 'exp', string>>;
  exp?: string;
};

async function respond(
  ctx: PageContext,
  reply: FastifyReply,
  token: string,
  result: { ok: true; value: PayOutcome } | { ok: false; error: UseCaseError },
  state: { exp?: string },
): Promise<FastifyReply> {
  if (!result.ok) {
    const opened = await openUpdateLink(ctx.services, token);
    if (opened.kind === 'rejected') return rejected(reply, opened.reason);
    const { field, message } = result.error;
    if (field === 'card_number' || field === 'exp')
      return payPage(ctx, reply, 422, token, opened.view, {
        ...state,
        errors: { [field]: message },
      });
    return payPage(
      ctx,
      reply,
      result.error.code === 'invalid_state' ? 409 : 422,
      token,
      opened.view,
      {
        ...state,
        notice: { tone: 'error', text: customerText(result.error) },
      },
    );
  }
  const outcome = result.value;
  switch (outcome.kind) {
    case 'rejected':
      return rejected(reply, outcome.reason);
    case 'paid': {
      const { view } = outcome;
      return page(reply, 200, 'paid', {
        title: `Payment received — ${view.merchantName}`,
        test_mode: view.testMode,
        merchant_name: view.merchantName,
        product_name: view.productName,
        support_contact: view.supportContact,
        amount_paid: money(outcome.amountMinor, view),
        paid_with: methodModel(outcome.paidWith),
        // Active unless the subscription changed while the charge was out (e.g. canceled).
        active: view.subscriptionState === 'active',
        next_payment: view.nextRenewalAt
          ? {
              amount: money(view.priceMinor, view),
              date: formatDateForCustomer(view.nextRenewalAt, view.locale, view.timeZone),
            }
          : null,
      });
    }
    case 'declined':
      return payPage(ctx, reply, 402, token, outcome.view, {
        notice: { tone: 'error', text: declineText(outcome.category, outcome.declinedMethod) },
      });
    case 'authenticate':
      return challengePage(reply, token, outcome.view);
    case 'pending':
      return noticePage(reply, 202, token, outcome.view, {
        heading: "We're confirming your payment",
        text: "Your bank hasn't answered yet. Don't pay again: we'll finish this payment as soon as it does. Open this link again in a few minutes to see where things stand.",
      });
    case 'busy':
      return noticePage(reply, 409, token, outcome.view, {
        heading: 'A payment is already in progress',
        text: 'A payment for this subscription is being processed right now. Wait a minute, then open this link again to see whether anything is still due.',
      });
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }
}

/** What a decline tells the customer: what to do next, never the issuer's reason (e.g. stolen). */
function declineText(category: string, method: MaskedMethod): string {
  const card = method.last4 ? `Your card ending in ${method.last4}` : 'Your card';
  switch (category) {
    case 'update_method':
      return `${card} was declined. Check the card number and expiry date, or use a different card.`;
    case 'temporary':
      return `We couldn't reach your bank to take the payment. Nothing was charged. Try again in a few minutes, or use a different card.`;
    case 'authentication_required':
      return `Your bank didn't confirm the payment, so nothing was charged. Try again, or use a different card.`;
    default:
      return `${card} was declined, so nothing was charged. Use a different card, or contact your bank.`;
  }
}

function customerText(error: UseCaseError): string {
  if (error.code === 'invalid_state')
    return 'This payment no longer needs to be confirmed with your bank. Check the amount below and pay with a card if anything is still due.';
  return error.message;
}

async function payPage(
  ctx: PageContext,
  reply: FastifyReply,
  status: number,
  token: string,
  view: HostedView,
  state: PayPageState,
): Promise<FastifyReply> {
  const errors = state.errors ?? {};
  const fieldErrors = (['card_number', 'exp'] as const).flatMap((field) =>
    errors[field] ? [{ field, message: errors[field] }] : [],
  );
  const describedBy = (field: 'card_number' | 'exp') =>
    [
      `${field}-hint`,
      errors[field] ? `${field}-error` : null,
      // A decline concerns the card just entered: the card field points at its message.
      field === 'card_number' && state.notice?.tone === 'error' ? 'notice' : null,
    ]
      .filter(Boolean)
      .join(' ');
  const amountDue = money(view.amountDueMinor, view);
  // A case billed to a Stripe method takes the new card in Stripe's fields, with Stripe's keys.
  const setup = await prepareCardSetup(ctx.accounts, view);
  if (setup?.kind === 'ready') reply.header('content-security-policy', STRIPE_CSP);
  return page(reply, status, 'pay', {
    title: `${fieldErrors.length > 0 || state.notice?.tone === 'error' ? 'Error: ' : ''}Update your payment method — ${view.merchantName}`,
    test_mode: view.testMode,
    heading: view.needsAuthentication ? 'Confirm your payment' : 'Update your payment method',
    merchant_name: view.merchantName,
    product_name: view.productName,
    support_contact: view.supportContact,
    amount_due: amountDue,
    current_method: view.method ? methodModel(view.method) : null,
    link_expires: formatDateTimeForCustomer(view.linkExpiresAt, view.locale, view.timeZone),
    errors: fieldErrors,
    notice: state.notice ?? null,
    sca: view.needsAuthentication
      ? { url: view.canAuthenticateHere ? `${payUrl(token)}/authenticate` : null }
      : null,
    stripe: setup
      ? setup.kind === 'ready'
        ? {
            ready: true,
            action: payUrl(token),
            publishable_key: setup.publishableKey,
            client_secret: setup.clientSecret,
            customer: setup.customer,
            script_url: STRIPE_JS_URL,
          }
        : { ready: false }
      : null,
    // A test-mode merchant's page takes test-gateway cards; a live gateway's hosted fields post
    // their token as `payment_method_token` instead.
    card_form:
      !setup && view.testMode
        ? {
            action: payUrl(token),
            exp: state.exp ?? '',
            card_number_error: errors.card_number ?? null,
            exp_error: errors.exp ?? null,
            card_number_describedby: describedBy('card_number'),
            exp_describedby: describedBy('exp'),
            focus: fieldErrors[0]?.field ?? null,
          }
        : null,
  });
}

async function challengePage(
  reply: FastifyReply,
  token: string,
  view: HostedView,
): Promise<FastifyReply> {
  return page(reply, 200, 'challenge', {
    title: `Confirm your payment — Test Bank`,
    test_mode: view.testMode,
    merchant_name: view.merchantName,
    amount_due: money(view.amountDueMinor, view),
    current_method: view.method ? methodModel(view.method) : null,
    action: `${payUrl(token)}/authenticate`,
    payment_method: view.methodId ?? '',
  });
}

async function noticePage(
  reply: FastifyReply,
  status: number,
  token: string,
  view: HostedView,
  text: { heading: string; text: string },
): Promise<FastifyReply> {
  return page(reply, status, 'notice', {
    title: `${text.heading} — ${view.merchantName}`,
    test_mode: view.testMode,
    merchant_name: view.merchantName,
    heading: text.heading,
    text: text.text,
    back_url: payUrl(token),
    back_label: 'Check again',
  });
}

const REJECTIONS: Record<
  Rejection['reason'],
  { status: number; heading: string; paragraphs: string[] }
> = {
  tampered: {
    status: 404,
    heading: "This link doesn't work",
    paragraphs: [
      'The link may be incomplete or mistyped. Open it again from the email you received, or copy the whole link into your browser.',
    ],
  },
  not_found: {
    status: 404,
    heading: "This link doesn't work",
    paragraphs: [
      'The link may be incomplete or mistyped. Open it again from the email you received, or copy the whole link into your browser.',
    ],
  },
  expired: {
    status: 410,
    heading: 'This link has expired',
    paragraphs: [
      'For your security, payment links only work for a limited time.',
      'Use the link in the most recent email you received, or contact the company that sent it.',
    ],
  },
  used: {
    status: 410,
    heading: 'This link is no longer active',
    paragraphs: [
      'It has already been used, or there is nothing left to pay with it. You can close this page.',
      'If you have a question about a payment, contact the company that sent you the link.',
    ],
  },
  closed: {
    status: 410,
    heading: 'This link is no longer active',
    paragraphs: [
      'It has already been used, or there is nothing left to pay with it. You can close this page.',
      'If you have a question about a payment, contact the company that sent you the link.',
    ],
  },
};

/** A link that does not open the page: the same page whoever asks, with nothing from the case. */
async function rejected(reply: FastifyReply, reason: Rejection['reason']): Promise<FastifyReply> {
  const r = REJECTIONS[reason];
  return page(reply, r.status, 'closed', {
    title: `${r.heading} — Payment link`,
    heading: r.heading,
    paragraphs: r.paragraphs,
  });
}

async function page(
  reply: FastifyReply,
  status: number,
  template: string,
  data: Record<string, unknown> & { title: string },
): Promise<FastifyReply> {
  const html = await liquid.renderFile(template, { css_url: CSS_URL, test_mode: false, ...data });
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').send(html);
}

function payUrl(token: string): string {
  return `/pay/${encodeURIComponent(token)}`;
}

function methodModel(m: MaskedMethod) {
  const label =
    m.type === 'card'
      ? 'Saved card'
      : m.type === 'ach'
        ? 'Bank account'
        : m.type === 'direct_debit'
          ? 'Direct debit'
          : 'Pay by link';
  return {
    brand: brandName(m.brand) ?? 'Card',
    last4: m.last4,
    expiry: cardExpiry(m),
    label,
  };
}

/** Amounts as the customer's messages show them: their locale, the currency's own decimals. */
function money(amountMinor: number, view: Pick<HostedView, 'currency' | 'locale'>): string {
  return formatMoneyForCustomer({ amountMinor, currency: view.currency }, view.locale);
}
