// One dunning case: what is owed, the strategy version it runs, what happens next, and its timeline
// (every attempt with its raw code and category, every message with its channel and status, every
// decision with its why), with the actions an operator can take.
import { act } from '../actions.js';
import { get, post } from '../api.js';
import { add, badge, confirmDialog, fill, h } from '../dom.js';
import { dateTime, humanize, money } from '../format.js';
import { categoryLabel, METHOD_LABEL, PURPOSE_LABEL, STATUS_KIND } from '../labels.js';

export async function render(root, { params }) {
  const [id] = params;
  const c = await get(`/v1/dunning_cases/${encodeURIComponent(id)}`);
  const [subscription, customer, strategy] = await Promise.all([
    get(`/v1/subscriptions/${encodeURIComponent(c.subscription_id)}`).catch(() => null),
    get(`/v1/customers/${encodeURIComponent(c.customer_id)}`).catch(() => null),
    get(`/v1/strategies/${encodeURIComponent(c.strategy.id)}`).catch(() => null),
  ]);
  const body = h('div');
  const draw = (data) => fill(body, ...caseView(data, { subscription, customer, strategy }, draw));
  draw(c);
  add(root, body);
}

function caseView(c, { subscription, customer, strategy }, redraw) {
  const result = h('div', { class: 'results' });
  return [
    h(
      'div',
      { class: 'page-head' },
      h(
        'h1',
        null,
        'Case ',
        h('span', { class: 'mono' }, c.id),
        ' ',
        badge(c.status, STATUS_KIND[c.status]),
      ),
      h('p', null, h('a', { href: '/dashboard/cases' }, 'All cases')),
    ),
    result,
    h(
      'div',
      { class: 'grid grid-2' },
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'case-facts' },
        h('h2', { id: 'case-facts' }, 'The case'),
        h(
          'dl',
          { class: 'facts' },
          fact('Amount due', money(c.amount_due_in_cents, c.currency), 'amount-due'),
          fact('Customer', customer ? `${customer.name} <${customer.email}>` : c.customer_id),
          fact(
            'Subscription',
            subscription
              ? `${subscription.product_name} · ${money(subscription.price_in_cents, subscription.currency)} / ${subscription.interval} · ${subscription.state}, access ${subscription.entitlement}`
              : c.subscription_id,
          ),
          fact('Payment method', METHOD_LABEL[c.payment_method_type] ?? c.payment_method_type),
          fact('Last decline', categoryLabel(c.last_decline_category)),
          c.awaiting_new_payment_method ? fact('Waiting for', 'a new payment method') : null,
          fact('Retries made', String(c.retries_made)),
          fact('Opened', dateTime(c.opened_at)),
          c.closed_at ? fact('Closed', dateTime(c.closed_at)) : null,
          c.outcome_reason ? fact('Outcome', c.outcome_reason) : null,
        ),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'case-plan' },
        h('h2', { id: 'case-plan' }, 'Strategy and next action'),
        h(
          'dl',
          { class: 'facts' },
          fact(
            'Strategy',
            h(
              'span',
              { 'data-testid': 'strategy-version' },
              h(
                'a',
                { href: `/dashboard/strategies/${encodeURIComponent(c.strategy.id)}` },
                c.strategy.name,
              ),
              ` · version ${c.strategy.version}`,
            ),
          ),
          fact('Next action', nextAction(c), 'next-action'),
        ),
        h(
          'p',
          { class: 'muted small' },
          strategy && strategy.current_version !== c.strategy.version
            ? `This case keeps version ${c.strategy.version}, the one it started with; the strategy is now at version ${strategy.current_version}, which applies to new cases.`
            : `This case keeps version ${c.strategy.version}, the one it started with, even if the strategy is edited later.`,
        ),
        actions(c, result, redraw),
      ),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'case-timeline' },
      h('h2', { id: 'case-timeline' }, 'Timeline'),
      timeline(c),
      h(
        'details',
        null,
        h('summary', null, `Every event of the case (${c.events.length})`),
        h(
          'ol',
          { class: 'small' },
          c.events.map((e) =>
            h(
              'li',
              null,
              h('time', { datetime: e.occurred_at }, dateTime(e.occurred_at)),
              ' ',
              h('code', null, e.type),
              h('pre', { class: 'preview-text' }, JSON.stringify(e.data, null, 2)),
            ),
          ),
        ),
      ),
    ),
  ];
}

function fact(term, value, testid) {
  return [h('dt', null, term), h('dd', testid ? { 'data-testid': testid } : null, value)];
}

function nextAction(c) {
  const n = c.next_action;
  if (!n) return c.status === 'open' ? 'Nothing scheduled' : `None: the case is ${c.status}`;
  const what =
    n.kind === 'final'
      ? `Final step (day ${n.day}): ${humanize(n.final_action)}`
      : n.kind === 'step'
        ? `Day ${n.day} step${n.retry ? ': retry' : ''}${n.message_template ? `${n.retry ? ' and' : ':'} message ${n.message_template}` : ''}`
        : humanize(n.kind);
  return h(
    'span',
    null,
    h('strong', null, dateTime(n.at)),
    ' — ',
    what,
    h('div', { class: 'muted small' }, `Why: ${n.why}`),
  );
}

function actions(c, result, redraw) {
  if (c.status !== 'open')
    return h('p', { class: 'muted' }, `The case is ${c.status}: nothing more can be done to it.`);
  const retryBlocked = c.awaiting_new_payment_method;
  const blockedWhy = c.next_action?.why?.includes('no retry:')
    ? c.next_action.why
        .slice(c.next_action.why.indexOf('no retry:') + 'no retry:'.length)
        .split(';')[0]
        .trim()
    : `the last decline (${categoryLabel(c.last_decline_category)}) waits for a new payment method`;
  const reasonId = `retry-reason-${c.id}`;
  const retry = h(
    'button',
    {
      type: 'button',
      class: 'button primary',
      disabled: retryBlocked,
      'aria-describedby': retryBlocked ? reasonId : null,
      onclick: async (event) => {
        const value = await act(
          event.currentTarget,
          result,
          () => post(`/v1/dunning_cases/${c.id}/retry`, {}),
          (r) =>
            r.outcome === 'succeeded'
              ? `Retry succeeded: ${money(r.attempt.amount_in_cents, r.attempt.currency)} collected; the case is ${r.dunning_case.status}.`
              : r.outcome === 'declined'
                ? `Retry declined: ${r.attempt.raw_code ?? 'no code'} (${categoryLabel(r.attempt.category)}). The schedule goes on.`
                : 'The gateway did not answer; the charge is re-sent automatically.',
        );
        if (value) redrawKeeping(redraw, value.dunning_case, result);
      },
    },
    'Retry now',
  );
  const cancel = h(
    'button',
    {
      type: 'button',
      class: 'button danger',
      onclick: async (event) => {
        const button = event.currentTarget;
        const yes = await confirmDialog({
          title: 'Cancel dunning?',
          body: 'No retry or message will go out for this case. The subscription keeps its state and balance.',
          confirm: 'Cancel dunning',
        });
        if (!yes) return button.focus();
        const value = await act(
          button,
          result,
          () => post(`/v1/dunning_cases/${c.id}/cancel`, {}),
          (u) => `Dunning canceled; the case is ${u.status}.`,
        );
        if (value) redrawKeeping(redraw, value, result);
      },
    },
    'Cancel dunning',
  );
  const paid = h(
    'button',
    {
      type: 'button',
      class: 'button',
      onclick: async (event) => {
        const button = event.currentTarget;
        const yes = await confirmDialog({
          title: 'Mark as paid?',
          body: `Everything the subscription owes (${money(c.amount_due_in_cents, c.currency)} in this case) is recorded as paid by other means; the case recovers and the subscription returns to active.`,
          confirm: 'Mark paid',
        });
        if (!yes) return button.focus();
        const value = await act(
          button,
          result,
          () => post(`/v1/dunning_cases/${c.id}/mark_paid`, {}),
          (u) => `Marked paid; the case is ${u.status}.`,
        );
        if (value) redrawKeeping(redraw, value, result);
      },
    },
    'Mark paid',
  );
  return h(
    'div',
    null,
    h('h3', null, 'Actions'),
    h('div', { class: 'actions' }, retry, cancel, paid),
    retryBlocked
      ? h('p', { class: 'hint', id: reasonId }, `Retry now is not allowed: ${blockedWhy}.`)
      : null,
  );
}

/** Redraws the case with the API's answer, keeping the outcome message on screen. */
function redrawKeeping(redraw, data, result) {
  const kept = [...result.childNodes];
  redraw(data);
  const fresh = document.querySelector('.results');
  if (fresh) add(fresh, ...kept);
  document.querySelector('main h1')?.focus();
}

function timeline(c) {
  const items = [];
  for (const a of c.attempts)
    items.push({ at: a.completed_at ?? a.requested_at, order: 0, node: attemptItem(a) });
  for (const m of c.messages) items.push({ at: m.queued_at, order: 1, node: messageItem(m) });
  for (const d of c.decisions) items.push({ at: d.at, order: 2, node: decisionItem(d) });
  items.sort((x, y) => x.at.localeCompare(y.at) || x.order - y.order);
  if (!items.length) return h('p', { class: 'empty' }, 'Nothing has happened in this case yet.');
  return h(
    'ol',
    { class: 'timeline' },
    items.map((i) => i.node),
  );
}

function attemptItem(a) {
  return h(
    'li',
    { class: ['t-attempt', a.status], dataset: { kind: 'attempt', attempt: a.id } },
    h(
      'time',
      { datetime: a.completed_at ?? a.requested_at },
      dateTime(a.completed_at ?? a.requested_at),
    ),
    h(
      'div',
      { class: 't-title' },
      `${PURPOSE_LABEL[a.purpose] ?? humanize(a.purpose)} of ${money(a.amount_in_cents, a.currency)} `,
      badge(a.status, STATUS_KIND[a.status]),
    ),
    h(
      'div',
      { class: 'kv' },
      a.raw_code
        ? h(
            'span',
            null,
            h('b', null, 'Raw code '),
            h('code', { 'data-testid': 'raw-code' }, a.raw_code),
          )
        : null,
      a.category
        ? h(
            'span',
            null,
            h('b', null, 'Category '),
            h('span', { 'data-testid': 'category' }, a.category),
          )
        : null,
      a.network ? h('span', null, h('b', null, 'Network '), a.network) : null,
      a.visa_category !== null && a.visa_category !== undefined
        ? h('span', null, h('b', null, 'Visa category '), String(a.visa_category))
        : null,
      a.advice ? h('span', null, h('b', null, 'Advice '), humanize(a.advice.kind)) : null,
      a.external_charge_id
        ? h('span', null, h('b', null, 'External charge '), a.external_charge_id)
        : null,
    ),
    a.why ? h('p', { class: 'why' }, h('b', null, 'Why: '), a.why) : null,
    a.classification ? h('p', { class: 'muted small why' }, `Read as: ${a.classification}`) : null,
  );
}

function messageItem(m) {
  return h(
    'li',
    { class: 't-message', dataset: { kind: 'message' } },
    h('time', { datetime: m.queued_at }, dateTime(m.queued_at)),
    h(
      'div',
      { class: 't-title' },
      `Message ${m.template ?? ''} by ${m.channel} `,
      badge(m.status, STATUS_KIND[m.status]),
    ),
    h(
      'div',
      { class: 'kv' },
      h('span', null, h('b', null, 'Channel '), h('span', { 'data-testid': 'channel' }, m.channel)),
      h(
        'span',
        null,
        h('b', null, 'Status '),
        h('span', { 'data-testid': 'message-status' }, m.status),
      ),
      m.step ? h('span', null, h('b', null, 'Step '), m.step) : null,
    ),
    m.history.length > 1
      ? h(
          'p',
          { class: 'muted small why' },
          m.history
            .map(
              (s) => `${s.status} ${dateTime(s.at)}${s.details?.why ? ` (${s.details.why})` : ''}`,
            )
            .join(' → '),
        )
      : null,
  );
}

function decisionItem(d) {
  return h(
    'li',
    { class: 't-decision', dataset: { kind: 'decision' } },
    h('time', { datetime: d.at }, dateTime(d.at)),
    h('div', { class: 't-title' }, `Decision: ${humanize(d.kind)}`),
    h('p', { class: 'why' }, h('b', null, 'Why: '), h('span', { 'data-testid': 'why' }, d.why)),
  );
}
