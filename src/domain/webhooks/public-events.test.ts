import { describe, expect, it } from 'vitest';
import {
  PUBLIC_EVENT_TYPES,
  PUBLIC_EVENTS,
  publicEventSpec,
  publicTypeOf,
  toPublicEvent,
} from './public-events.ts';

const AT = new Date('2026-03-02T15:00:00Z');

describe('the public event catalogue', () => {
  it('names each public type once and publishes each internal type under one public type', () => {
    expect(new Set(PUBLIC_EVENT_TYPES).size).toBe(PUBLIC_EVENT_TYPES.length);
    const internal = PUBLIC_EVENTS.flatMap((e) => e.from);
    expect(new Set(internal).size).toBe(internal.length);
  });

  it('covers the events SPEC section 8 lists', () => {
    expect(PUBLIC_EVENT_TYPES).toEqual(
      expect.arrayContaining([
        'payment.failed',
        'dunning.started',
        'dunning.retry_attempted',
        'message.sent',
        'message.bounced',
        'payment.recovered',
        'subscription.past_due',
        'subscription.unpaid',
        'subscription.canceled',
        'subscription.reactivated',
        'payment_method.updated',
      ]),
    );
  });

  it('reads noun.past_tense or a subscription state, in snake_case', () => {
    for (const type of PUBLIC_EVENT_TYPES) expect(type).toMatch(/^[a-z_]+\.[a-z_]+$/);
  });
});

describe('toPublicEvent', () => {
  it('publishes a declined renewal as payment.failed with the documented fields only', () => {
    const event = toPublicEvent({
      type: 'payment_attempt.failed',
      occurredAt: AT,
      fields: {
        subscription_id: 'sub_1',
        case_id: null,
        attempt_id: 'att_1',
        amount_minor: 2000,
        currency: 'USD',
        purpose: 'renewal',
        raw_code: 'insufficient_funds',
        category: 'insufficient_funds',
        classification: 'stripe decline code insufficient_funds',
        internal_detail: 'not for the public',
      },
    });
    expect(event).toEqual({
      type: 'payment.failed',
      timestamp: '2026-03-02T15:00:00.000Z',
      data: {
        subscription_id: 'sub_1',
        case_id: null,
        attempt_id: 'att_1',
        charge_id: null,
        external_charge_id: null,
        purpose: 'renewal',
        amount_in_cents: 2000,
        currency: 'USD',
        decline_code: 'insufficient_funds',
        decline_category: 'insufficient_funds',
      },
    });
  });

  it.each([
    ['dunning_case.recovered', 'dunning.ended'],
    ['dunning_case.canceled', 'dunning.ended'],
    ['dunning_case.unpaid', 'dunning.ended'],
    ['dunning_case.stopped', 'dunning.ended'],
    ['dunning_case.opened', 'dunning.started'],
    ['dunning_case.retry_attempted', 'dunning.retry_attempted'],
    ['subscription.past_due', 'subscription.past_due'],
    ['subscription.reactivated', 'subscription.reactivated'],
    ['payment_method.updated', 'payment_method.updated'],
  ])('publishes %s as %s', (internal, published) => {
    expect(toPublicEvent({ type: internal, occurredAt: AT, fields: {} })?.type).toBe(published);
  });

  it.each([
    'dunning_case.decision',
    'message.queued',
    'charge.accrued',
    'payment_attempt.unanswered',
    'webhook_endpoint.created',
    'something.new',
  ])('keeps internal event %s out of webhooks', (internal) => {
    expect(toPublicEvent({ type: internal, occurredAt: AT, fields: {} })).toBeNull();
  });

  it('names a subscription state change by its states', () => {
    const event = toPublicEvent({
      type: 'subscription.past_due',
      occurredAt: AT,
      fields: {
        subscription_id: 'sub_2',
        case_id: 'case_1',
        from: 'active',
        to: 'past_due',
        reason: 'renewal charge declined',
        via_group_primary: 'sub_1',
      },
    });
    expect(event?.data).toEqual({
      subscription_id: 'sub_2',
      case_id: 'case_1',
      previous_state: 'active',
      state: 'past_due',
      reason: 'renewal charge declined',
      group_primary_subscription_id: 'sub_1',
    });
  });

  it('publishes a bounce with the message’s fields and the bounce’s own', () => {
    const event = toPublicEvent({
      type: 'message.bounced',
      occurredAt: AT,
      fields: {
        subscription_id: 'sub_1',
        case_id: 'case_1',
        message_id: 'msg_1',
        outbox_id: 42,
        customer_id: 'cus_1',
        channel: 'email',
        to: 'ada@example.com',
        step: 'step_1',
        template: 'first_notice',
        intent: 'payment_failed',
        reason: '550 mailbox unavailable',
        status_code: '5.1.1',
        source: 'smtp',
      },
    });
    expect(event?.data).toEqual({
      subscription_id: 'sub_1',
      case_id: 'case_1',
      message_id: 'msg_1',
      customer_id: 'cus_1',
      channel: 'email',
      to: 'ada@example.com',
      template: 'first_notice',
      step: 'step_1',
      intent: 'payment_failed',
      reason: '550 mailbox unavailable',
      status_code: '5.1.1',
      source: 'smtp',
    });
  });

  it('finds a spec by public type', () => {
    expect(publicEventSpec('dunning.started')?.from).toEqual(['dunning_case.opened']);
    expect(publicEventSpec('dunning_case.opened')).toBeUndefined();
  });

  it.each([
    ['payment_attempt.failed', 'payment.failed'],
    ['dunning_case.unpaid', 'dunning.ended'],
    ['subscription.past_due', 'subscription.past_due'],
    ['message.queued', null],
    ['webhook_endpoint.created', null],
  ])('publishes %s under %s', (internal, published) => {
    expect(publicTypeOf(internal)).toBe(published);
  });
});
