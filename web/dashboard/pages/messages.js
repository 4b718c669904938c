// Messages: email metrics (with the switch that counts hard-decline emails in or out) and the log
// of every message with its channel and status.
import { get } from '../api.js';
import { add, badge, field, fill, h, table } from '../dom.js';
import { count, dateTime, percent } from '../format.js';
import { STATUS_KIND } from '../labels.js';

const MESSAGE_STATUSES = [
  'queued',
  'deferred',
  'sent',
  'delivered',
  'bounced',
  'failed',
  'canceled',
  'stored',
];
const CHANNELS = ['email', 'slack', 'discord', 'telegram', 'webhook'];
const DAY_MS = 86_400_000;

export async function render(root, { query, navigate }) {
  const includeHard = query.get('include_hard_decline') !== 'false';
  const q = Object.fromEntries(query.entries());
  const [metrics, strategies] = await Promise.all([
    get('/v1/metrics/email', {
      include_hard_decline: includeHard,
      recovery_days: q.recovery_days,
      strategy_id: q.strategy_id,
      from: q.from ? `${q.from}T00:00:00.000Z` : undefined,
      to: q.to ? new Date(Date.parse(`${q.to}T00:00:00.000Z`) + DAY_MS).toISOString() : undefined,
    }),
    get('/v1/strategies'),
  ]);

  const go = (changes) => {
    const next = new URLSearchParams(query);
    for (const [k, v] of Object.entries(changes)) {
      if (v === '' || v === null || v === undefined) next.delete(k);
      else next.set(k, String(v));
    }
    const qs = next.toString();
    return navigate(`/dashboard/messages${qs ? `?${qs}` : ''}`, { replace: true });
  };

  const hardSwitch = h('input', {
    type: 'checkbox',
    role: 'switch',
    id: 'include-hard-decline',
    checked: includeHard,
    'aria-checked': String(includeHard),
    onchange: () => go({ include_hard_decline: hardSwitch.checked ? '' : 'false' }),
  });
  const from = h('input', { type: 'date', name: 'from', value: q.from ?? '' });
  const to = h('input', { type: 'date', name: 'to', value: q.to ?? '' });
  const days = h('input', {
    type: 'number',
    name: 'recovery_days',
    min: '1',
    max: '90',
    value: String(metrics.recovery_days),
  });
  const strategy = h(
    'select',
    { name: 'strategy_id' },
    h('option', { value: '' }, 'Every strategy'),
    strategies.data.map((s) =>
      h('option', { value: s.id, selected: q.strategy_id === s.id }, s.name),
    ),
  );
  const form = h(
    'form',
    {
      class: 'toolbar',
      'aria-label': 'Email metrics filters',
      onsubmit: (event) => {
        event.preventDefault();
        go({
          from: from.value,
          to: to.value,
          recovery_days: days.value === '7' ? '' : days.value,
          strategy_id: strategy.value,
        });
      },
    },
    h(
      'label',
      { class: 'check', for: 'include-hard-decline' },
      hardSwitch,
      'Include hard-decline emails',
    ),
    field('Sent from', from),
    field('to (inclusive)', to),
    field('Recovery within (days)', days),
    field('Strategy', strategy),
    h('button', { type: 'submit', class: 'button primary' }, 'Show'),
  );

  const t = metrics.totals;
  const tiles = [
    ['sent', 'Sent', count(t.sent)],
    ['delivered', 'Delivered', count(t.delivered), t.sent ? percent(t.delivered / t.sent) : null],
    ['bounced', 'Bounced', count(t.bounced), t.sent ? percent(t.bounced / t.sent) : null],
    ['clicks', 'Update-link clicks', count(t.clicks), `${count(t.clicked)} emails clicked`],
    [
      'recoveries',
      'Recoveries after an email',
      count(t.recoveries),
      `within ${metrics.recovery_days} days`,
    ],
  ];
  const byStep = metrics.by_strategy_step.map((g) =>
    h(
      'tr',
      null,
      h('th', { scope: 'row' }, g.strategy_name ?? 'No strategy'),
      h('td', null, g.step),
      h('td', { class: 'num' }, count(g.sent)),
      h('td', { class: 'num' }, count(g.delivered)),
      h('td', { class: 'num' }, count(g.bounced)),
      h('td', { class: 'num' }, count(g.clicks)),
      h('td', { class: 'num' }, count(g.recoveries)),
    ),
  );

  add(
    root,
    h('div', { class: 'page-head' }, h('h1', null, 'Messages')),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'email-metrics-title' },
      h('h2', { id: 'email-metrics-title' }, 'Email metrics'),
      form,
      h(
        'p',
        { class: 'muted small', role: 'status', 'data-testid': 'hard-decline-state' },
        includeHard ? 'Hard-decline emails are counted.' : 'Hard-decline emails are left out.',
      ),
      h(
        'dl',
        { class: 'kpis' },
        tiles.map(([key, label, value, sub]) =>
          h(
            'div',
            { class: 'kpi', dataset: { kpi: key } },
            h('dt', null, label),
            h(
              'dd',
              { class: 'kpi-value' },
              value,
              sub ? h('span', { class: 'kpi-sub' }, sub) : null,
            ),
          ),
        ),
      ),
      byStep.length
        ? table(
            'Emails by strategy and step',
            ['Strategy', 'Step', 'Sent', 'Delivered', 'Bounced', 'Clicks', 'Recoveries'],
            byStep,
          )
        : h('p', { class: 'empty' }, 'No email sent in this period.'),
    ),
    await messageLog(query, go),
  );
}

async function messageLog(query, go) {
  const status = query.get('status') ?? '';
  const channel = query.get('channel') ?? '';
  const statusSel = h(
    'select',
    { onchange: () => go({ status: statusSel.value }) },
    h('option', { value: '' }, 'Any status'),
    MESSAGE_STATUSES.map((s) => h('option', { value: s, selected: s === status }, s)),
  );
  const channelSel = h(
    'select',
    { onchange: () => go({ channel: channelSel.value }) },
    h('option', { value: '' }, 'Any channel'),
    CHANNELS.map((c) => h('option', { value: c, selected: c === channel }, c)),
  );
  const list = h('div');
  const section = h(
    'section',
    { class: 'card', 'aria-labelledby': 'message-log-title' },
    h('h2', { id: 'message-log-title' }, 'Message log'),
    h('div', { class: 'toolbar' }, field('Status', statusSel), field('Channel', channelSel)),
    list,
  );
  const rows = [];
  let cursor = null;
  const load = async () => {
    const page = await get('/v1/messages', {
      limit: 25,
      status: status || undefined,
      channel: channel || undefined,
      starting_after: cursor ?? undefined,
    });
    for (const m of page.data) rows.push(...messageRows(m));
    cursor = page.next_cursor;
    fill(
      list,
      rows.length
        ? table('Messages', ['Queued', 'To', 'Channel', 'Message', 'Status', 'Case', ''], rows)
        : h('p', { class: 'empty' }, 'No message yet.'),
      page.has_more
        ? h(
            'p',
            { class: 'pager' },
            h('button', { type: 'button', class: 'button', onclick: load }, 'Load more messages'),
          )
        : null,
    );
  };
  await load();
  return section;
}

function messageRows(m) {
  const detail = h('tr', { hidden: true }, h('td', { colspan: '7' }));
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'button small',
      'aria-expanded': 'false',
      'aria-label': `Show message ${m.template} to ${m.to ?? m.channel}`,
      onclick: async () => {
        const open = toggle.getAttribute('aria-expanded') !== 'true';
        toggle.setAttribute('aria-expanded', String(open));
        toggle.textContent = open ? 'Hide' : 'Show';
        detail.hidden = !open;
        if (open && !detail.dataset.loaded) {
          const full = await get(`/v1/messages/${encodeURIComponent(m.id)}`);
          detail.dataset.loaded = '1';
          fill(
            detail.firstChild,
            h('p', { class: 'preview-subject' }, full.subject ?? ''),
            h('pre', { class: 'preview-text' }, full.text ?? '(no text part)'),
            full.provider_attempts.length
              ? h(
                  'ol',
                  { class: 'small' },
                  full.provider_attempts.map((a) =>
                    h(
                      'li',
                      null,
                      `${dateTime(a.started_at)} · ${a.channel} · ${a.outcome ?? 'no answer'}${a.error ? ` · ${a.error}` : ''}`,
                    ),
                  ),
                )
              : null,
          );
        }
      },
    },
    'Show',
  );
  return [
    h(
      'tr',
      { dataset: { message: m.id } },
      h('td', { class: 'nowrap' }, dateTime(m.sent_at ?? m.queued_at)),
      h('td', null, m.to ?? '—'),
      h('td', null, m.channel),
      h(
        'td',
        null,
        h(
          'div',
          null,
          m.template,
          m.hard_decline ? ' ' : null,
          m.hard_decline ? badge('hard decline', 'danger') : null,
        ),
        h('div', { class: 'muted small' }, m.subject ?? m.step),
      ),
      h(
        'td',
        null,
        badge(m.status, STATUS_KIND[m.status]),
        m.status_reason ? h('div', { class: 'muted small' }, m.status_reason) : null,
      ),
      h(
        'td',
        null,
        m.case_id
          ? h(
              'a',
              { href: `/dashboard/cases/${encodeURIComponent(m.case_id)}`, class: 'mono' },
              m.case_id,
            )
          : '—',
      ),
      h('td', null, toggle),
    ),
    detail,
  ];
}
