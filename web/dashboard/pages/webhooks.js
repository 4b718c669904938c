// Webhook endpoints, their deliveries (every attempt with its answer) and replay.
import { act, errorText, flash } from '../actions.js';
import { get, post } from '../api.js';
import { add, badge, field, fill, h, notice, table } from '../dom.js';
import { count, dateTime } from '../format.js';

const STATUS_KIND = { succeeded: 'ok', failed: 'danger', pending: 'warn' };

export async function render(root, { query, navigate }) {
  const selected = query.get('endpoint');
  const status = query.get('status') ?? '';
  const endpoints = await get('/v1/webhook_endpoints', { limit: 100 });

  const result = h('div', { class: 'results' });
  const head = h(
    'div',
    { class: 'page-head' },
    h('h1', null, 'Webhooks'),
    h(
      'p',
      { class: 'muted' },
      'Signed per the Standard Webhooks scheme, retried with backoff for about three days.',
    ),
  );

  const rows = endpoints.data.map((e) =>
    h(
      'tr',
      { dataset: { endpoint: e.id } },
      h(
        'td',
        null,
        h('span', { class: 'mono' }, e.url),
        e.description ? h('div', { class: 'muted small' }, e.description) : null,
      ),
      h('td', null, e.enabled_events.join(', ')),
      h(
        'td',
        null,
        badge(e.status, e.status === 'enabled' ? 'ok' : 'danger'),
        e.disabled_reason ? h('div', { class: 'muted small' }, e.disabled_reason) : null,
      ),
      h(
        'td',
        null,
        h(
          'div',
          { class: 'actions' },
          h(
            'a',
            {
              class: 'button small',
              href: `/dashboard/webhooks?endpoint=${encodeURIComponent(e.id)}`,
              'aria-current': e.id === selected ? 'true' : null,
            },
            'Deliveries',
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'button small',
              onclick: (ev) =>
                act(
                  ev.currentTarget,
                  result,
                  () => post(`/v1/webhook_endpoints/${e.id}/test`, {}),
                  (d) => {
                    flash(
                      `Test ping sent to ${e.url}: ${d.status}${d.last_status_code ? ` (HTTP ${d.last_status_code})` : ''}.`,
                    );
                    return null;
                  },
                ).then(
                  (d) =>
                    d &&
                    navigate(`/dashboard/webhooks?endpoint=${encodeURIComponent(e.id)}`, {
                      replace: true,
                    }),
                ),
            },
            'Send test',
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'button small',
              onclick: (ev) =>
                act(
                  ev.currentTarget,
                  result,
                  () =>
                    post(`/v1/webhook_endpoints/${e.id}`, {
                      status: e.status === 'enabled' ? 'disabled' : 'enabled',
                    }),
                  (u) => {
                    flash(`${u.url} is ${u.status}.`);
                    return null;
                  },
                ).then(
                  (u) =>
                    u &&
                    navigate(window.location.pathname + window.location.search, { replace: true }),
                ),
            },
            e.status === 'enabled' ? 'Disable' : 'Enable',
          ),
        ),
      ),
    ),
  );

  add(
    root,
    head,
    result,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'endpoints-title' },
      h('h2', { id: 'endpoints-title' }, 'Endpoints'),
      endpoints.data.length
        ? table('Webhook endpoints', ['URL', 'Events', 'Status', 'Actions'], rows)
        : h('p', { class: 'empty' }, 'No endpoint yet. Add one below to receive events.'),
      addEndpointForm(result, navigate),
    ),
  );

  const endpoint = endpoints.data.find((e) => e.id === selected);
  if (endpoint) add(root, await deliveriesSection(endpoint, status, result, navigate));
}

function addEndpointForm(result, navigate) {
  const url = h('input', {
    name: 'url',
    type: 'url',
    required: true,
    placeholder: 'https://example.com/dunner',
  });
  const description = h('input', { name: 'description', type: 'text', maxlength: '500' });
  const events = h('input', { name: 'events', type: 'text', value: '*', required: true });
  const form = h(
    'form',
    {
      class: 'toolbar',
      onsubmit: async (event) => {
        event.preventDefault();
        const button = form.querySelector('button');
        button.disabled = true;
        try {
          const created = await post('/v1/webhook_endpoints', {
            url: url.value.trim(),
            description: description.value,
            enabled_events: events.value
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          });
          flash(`Endpoint added. Its signing secret is shown only now: ${created.secret}`);
          await navigate(`/dashboard/webhooks?endpoint=${encodeURIComponent(created.id)}`, {
            replace: true,
          });
        } catch (err) {
          fill(result, notice(errorText(err), 'error'));
          button.disabled = false;
        }
      },
    },
    field('URL', url),
    field('Description', description),
    field('Events', events, '* for all, or e.g. dunning_case.*, payment.recovered'),
    h('button', { type: 'submit', class: 'button primary' }, 'Add endpoint'),
  );
  return h('details', null, h('summary', null, 'Add an endpoint'), form);
}

async function deliveriesSection(endpoint, status, result, navigate) {
  const section = h('section', { class: 'card', 'aria-labelledby': 'deliveries-title' });
  const statusSelect = h(
    'select',
    {
      name: 'status',
      onchange: () =>
        navigate(
          `/dashboard/webhooks?endpoint=${encodeURIComponent(endpoint.id)}${statusSelect.value ? `&status=${statusSelect.value}` : ''}`,
          { replace: true },
        ),
    },
    ['', 'pending', 'succeeded', 'failed'].map((s) =>
      h('option', { value: s, selected: s === status }, s ? s : 'Any status'),
    ),
  );
  const tbody = [];
  const list = h('div');
  add(
    section,
    h(
      'h2',
      { id: 'deliveries-title' },
      'Deliveries to ',
      h('span', { class: 'mono' }, endpoint.url),
    ),
    h('div', { class: 'toolbar' }, field('Status', statusSelect)),
    list,
  );

  let cursor = null;
  const load = async () => {
    const page = await get(`/v1/webhook_endpoints/${endpoint.id}/deliveries`, {
      limit: 25,
      status: status || undefined,
      starting_after: cursor ?? undefined,
    });
    for (const d of page.data) tbody.push(deliveryRow(d, result));
    cursor = page.next_cursor;
    fill(
      list,
      tbody.length
        ? table(
            'Webhook deliveries',
            ['Event', 'Status', 'Attempts', 'Last answer', 'When', ''],
            tbody,
          )
        : h('p', { class: 'empty' }, 'No deliveries yet.'),
      page.has_more
        ? h(
            'p',
            { class: 'pager' },
            h('button', { type: 'button', class: 'button', onclick: load }, 'Load more deliveries'),
          )
        : null,
    );
  };
  await load();
  return section;
}

function deliveryRow(d, result) {
  const statusCell = h('td', null, badge(d.status, STATUS_KIND[d.status]));
  const attemptsCell = h('td', { class: 'num' }, count(d.attempt_count));
  const answerCell = h('td', null, answerOf(d));
  return h(
    'tr',
    { dataset: { delivery: d.id } },
    h(
      'td',
      null,
      h('div', null, d.event_type),
      h(
        'details',
        null,
        h('summary', { class: 'small' }, 'Payload and attempts'),
        h('pre', { class: 'preview-text' }, JSON.stringify(d.payload, null, 2)),
        h(
          'ol',
          { class: 'small' },
          d.attempts.map((a) =>
            h(
              'li',
              null,
              `${dateTime(a.started_at)} · ${a.trigger} · `,
              a.status_code ? `HTTP ${a.status_code}` : (a.error ?? 'no answer'),
              ` · ${a.duration_ms} ms`,
            ),
          ),
        ),
      ),
    ),
    statusCell,
    attemptsCell,
    answerCell,
    h(
      'td',
      { class: 'nowrap' },
      dateTime(d.last_attempt_at ?? d.created_at),
      d.next_attempt_at
        ? h('div', { class: 'muted small' }, `next try ${dateTime(d.next_attempt_at)}`)
        : null,
    ),
    h(
      'td',
      null,
      h(
        'button',
        {
          type: 'button',
          class: 'button small',
          'aria-label': `Replay ${d.event_type} delivery`,
          onclick: (ev) =>
            act(
              ev.currentTarget,
              result,
              () => post(`/v1/webhook_deliveries/${d.id}/replay`, {}),
              (u) => {
                fill(statusCell, badge(u.status, STATUS_KIND[u.status]));
                attemptsCell.textContent = count(u.attempt_count);
                fill(answerCell, answerOf(u));
                return `Replayed ${u.event_type}: ${u.status}${u.last_status_code ? ` (HTTP ${u.last_status_code})` : ''}.`;
              },
            ),
        },
        'Replay',
      ),
    ),
  );
}

function answerOf(d) {
  if (d.last_status_code) return `HTTP ${d.last_status_code}`;
  return d.last_error ?? '—';
}
