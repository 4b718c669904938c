// POST /inbound/stripe/:merchantId — the merchant's Stripe webhook endpoint. The body is checked
// against the Stripe-Signature header with the SDK (it needs the exact bytes Stripe signed, so
// this plugin keeps JSON bodies raw, in its own scope). docs/stripe.md lists the events handled.

import type { FastifyReply } from 'fastify';
import Stripe from 'stripe';
import { merchantExists } from '../../../adapters/db/merchants.repo.ts';
import {
  createStripeAccounts,
  type StripeAccounts,
} from '../../../adapters/gateways/stripe/accounts.ts';
import { StripeNotConfiguredError } from '../../stripe/context.ts';
import { receiveStripeEvent } from '../../stripe/receive-stripe-event.ts';
import { ApiError, type Services, type SitePlugin } from '../v1/kit.ts';

export type StripeWebhookOptions = {
  /** Where each merchant's keys come from; by default stripe_accounts, then the environment. */
  accounts?: (services: Services) => StripeAccounts;
};

export function stripeWebhookPlugin(options: StripeWebhookOptions = {}): SitePlugin {
  return async (app, { services }) => {
    const accounts =
      options.accounts?.(services) ??
      createStripeAccounts(services.db, {
        env: {
          secretKey: services.config.stripeSecretKey,
          webhookSecret: services.config.stripeWebhookSecret,
          merchantId: services.config.stripeMerchantId,
        },
      });

    // This plugin is not wrapped with fastify-plugin, so the raw parser stays in its scope.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );

    app.post<{ Params: { merchantId: string } }>(
      '/inbound/stripe/:merchantId',
      { schema: { hide: true } },
      async (request, reply) => {
        const { merchantId } = request.params;
        const known = await merchantExists(services.db, merchantId);
        const settings = known ? await accounts.settingsFor(merchantId) : null;
        if (!settings?.webhookSecret)
          return sendError(
            reply,
            new ApiError(
              'not_found',
              `no Stripe webhook endpoint for merchant ${merchantId}`,
              'merchantId',
            ),
          );
        const signature = request.headers['stripe-signature'];
        if (typeof signature !== 'string' || signature === '')
          return sendError(
            reply,
            new ApiError(
              'invalid_field',
              'the Stripe-Signature header is missing',
              'Stripe-Signature',
            ),
          );
        if (!Buffer.isBuffer(request.body))
          return sendError(
            reply,
            new ApiError('invalid_json', 'send the event as application/json', 'Content-Type'),
          );

        let event: Stripe.Event;
        try {
          event = Stripe.webhooks.constructEvent(request.body, signature, settings.webhookSecret);
        } catch (error) {
          if (error instanceof Stripe.errors.StripeSignatureVerificationError)
            return sendError(
              reply,
              new ApiError(
                'invalid_field',
                `the Stripe-Signature does not match this body: ${error.message}`,
                'Stripe-Signature',
              ),
            );
          return sendError(
            reply,
            new ApiError('invalid_json', 'the body is not a Stripe event', null),
          );
        }

        try {
          const outcome = await receiveStripeEvent(services, {
            merchantId,
            event,
            stripe: await accounts.clientFor(merchantId),
          });
          if (outcome.kind === 'busy')
            return sendError(
              reply,
              new ApiError(
                'invalid_state',
                `event ${event.id} is being applied by another delivery; Stripe will retry`,
                null,
              ),
            );
          return reply.code(200).send({ received: true, event_id: event.id, ...outcome });
        } catch (error) {
          if (error instanceof StripeNotConfiguredError)
            return sendError(reply, new ApiError('invalid_state', error.message, null));
          throw error;
        }
      },
    );
  };
}

function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  return reply.code(error.statusCode).send(error.body());
}

export default stripeWebhookPlugin();
