// Dunning cases: a filterable list (state, decline category, strategy, amount, age), newest first.

import { get } from '../api.js';
import { getMerchant, merchantNow } from '../app.js';
import { add, badge, field, fill, h, table } from '../dom.js';
import { addDays, date, dateTime, daysBetween, decimalToMinor, money } from '../format.js';
import { CASE_STATUSES, CATEGORIES, categoryLabel, STATUS_KIND } from '../labels.js';

const AGES = [
  ['', 'Any age'],
  ['lt7', 'Opened in the last 7 days'],
  ['7to30', 'Opened 7 to 30 days ago'],
  ['gt30', 'Opened over 30 days ago'],
];

export async function render(root, { query, navigate }) {
  const strategies = await get('/v1/strategies');
  const strategyName = new Map(strategies.data.map((s) => [s.id, s.name]));
  const f = Object.fromEntries(query.entries());
  const now = merchantNow();

  const statusSel = h(
    'select',
    { name: 'status' },
    h('option', { value: '' }, 'Any state'),
    CASE_STATUSES.map((s) => h('option', { value: s, selected: f.status === s }, s)),
  );
  const categorySel = h(
    'select',
    { name: 'category' },
    h('option', { value: '' }, 'Any category'),
    CATEGORIES.map((c) => h('option', { value: c, selected: f.category === c }, categoryLabel(c))),
  );
  const strategySel = h(
    'select',
    { name: 'strategy_id' },
    h('option', { value: '' }, 'Any strategy'),
    strategies.data.map((s) =>
      h('option', { value: s.id, selected: f.strategy_id === s.id }, s.name),
    ),
  );
  const currency = h('input', {
    name: 'currency',
    type: 'text',
    value: f.currency ?? '',
    maxlength: '3',
    pattern: '[A-Za-z]{3}',
    size: '4',
    placeholder: 'USD',
    autocomplete: 'off',
  });
  const min = h('input', {
    name: 'min',
    type: 'text',
    inputmode: 'decimal',
    value: f.min ?? '',
    size: '7',
  });
  const max = h('input', {
    name: 'max',
    type: 'text',
    inputmode: 'decimal',
    value: f.max ?? '',
    size: '7',
  });
  const ageSel = h(
    'select',
    { name: 'age' },
    AGES.map(([v, label]) => h('option', { value: v, selected: (f.age ?? '') === v }, label)),
  );

  const form = h(
    'form',
    {
      class: 'toolbar',
      role: 'search',
      'aria-label': 'Filter cases',
      onsubmit: (event) => {
        event.preventDefault();
        const params = new URLSearchParams();
        for (const el of form.elements) {
          if (!el.name || !el.value) continue;
          params.set(el.name, el.name === 'currency' ? el.value.toUpperCase() : el.value);
        }
        const qs = params.toString();
        navigate(`/dashboard/cases${qs ? `?${qs}` : ''}`);
      },
    },
    field('State', statusSel),
    field('Decline category', categorySel),
    field('Strategy', strategySel),
    field('Currency', currency),
    field('Amount due from', min),
    field('Amount due up to', max),
    field('Age', ageSel),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'button primary' }, 'Filter'),
      h('a', { class: 'button', href: '/dashboard/cases' }, 'Clear'),
    ),
  );

  const amountCurrency = (f.currency || defaultCurrency()).toUpperCase();
  const apiQuery = {
    limit: 25,
    status: f.status,
    category: f.category,
    strategy_id: f.strategy_id,
    currency: f.currency ? f.currency.toUpperCase() : undefined,
    min_amount_in_cents: f.min ? (decimalToMinor(f.min, amountCurrency) ?? undefined) : undefined,
    max_amount_in_cents: f.max ? (decimalToMinor(f.max, amountCurrency) ?? undefined) : undefined,
    ...ageRange(f.age, now),
  };

  const list = h('div', { class: 'case-list' });
  const summary = h('p', { class: 'muted', role: 'status' });
  add(
    root,
    h('div', { class: 'page-head' }, h('h1', null, 'Cases')),
    h('section', { class: 'card', 'aria-label': 'Filters' }, form),
    summary,
    list,
  );

  const rows = [];
  let cursor = null;
  const load = async (button) => {
    if (button) button.disabled = true;
    const page = await get('/v1/dunning_cases', {
      ...apiQuery,
      starting_after: cursor ?? undefined,
    });
    for (const c of page.data) rows.push(caseRow(c, strategyName, now));
    cursor = page.next_cursor;
    summary.textContent = `${rows.length}${page.has_more ? '+' : ''} case${rows.length === 1 ? '' : 's'}${
      query.toString() ? ' match the filters' : ''
    }.`;
    fill(
      list,
      rows.length
        ? table(
            'Dunning cases',
            [
              'Case',
              'State',
              'Amount due',
              'Last decline',
              'Strategy',
              'Opened',
              'Age',
              'Next action',
            ],
            rows,
          )
        : h('p', { class: 'empty card' }, 'No case matches these filters.'),
      page.has_more
        ? h(
            'p',
            { class: 'pager' },
            h(
              'button',
              { type: 'button', class: 'button', onclick: (e) => load(e.currentTarget) },
              'Load more cases',
            ),
          )
        : null,
    );
  };
  await load();
}

function caseRow(c, strategyName, now) {
  const end = c.closed_at ?? now;
  const age = daysBetween(c.opened_at, end);
  return h(
    'tr',
    { dataset: { case: c.id, status: c.status } },
    h(
      'td',
      null,
      h('a', { href: `/dashboard/cases/${encodeURIComponent(c.id)}`, class: 'mono' }, c.id),
    ),
    h('td', null, badge(c.status, STATUS_KIND[c.status])),
    h('td', { class: 'num nowrap' }, money(c.amount_due_in_cents, c.currency)),
    h('td', null, categoryLabel(c.last_decline_category)),
    h('td', null, `${strategyName.get(c.strategy_id) ?? c.strategy_id} · v${c.strategy_version}`),
    h('td', { class: 'nowrap' }, date(c.opened_at)),
    h('td', { class: 'num' }, `${age} d`),
    h('td', { class: 'nowrap' }, c.status === 'open' ? dateTime(c.next_action_at) : '—'),
  );
}

function ageRange(age, now) {
  const iso = (d) => d.toISOString();
  switch (age) {
    case 'lt7':
      return { opened_after: iso(addDays(now, -7)) };
    case '7to30':
      return { opened_after: iso(addDays(now, -30)), opened_before: iso(addDays(now, -7)) };
    case 'gt30':
      return { opened_before: iso(addDays(now, -30)) };
    default:
      return {};
  }
}

function defaultCurrency() {
  return getMerchant()?.currency ?? 'USD';
}
