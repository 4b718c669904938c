// Overview: the recovery KPIs of a period (GET /v1/metrics) with charts over time and breakdowns
// by decline category, strategy and payment-method type. Money is never added across currencies:
// a KPI in money shows one line per currency, and the money charts show one chosen currency.
import { get } from '../api.js';
import { add, field, h, table } from '../dom.js';
import {
  addDays,
  count,
  date,
  dateTime,
  isoDay,
  money,
  moneyMajor,
  percent,
  toMajor,
} from '../format.js';
import { categoryLabel, METHOD_LABEL } from '../labels.js';

const COLORS = {
  blue: '#2457c5',
  green: '#17794a',
  red: '#c0392b',
  amber: '#d9a400',
  purple: '#7b61ff',
  grey: '#8894a6',
};
const DAY_MS = 86_400_000;

export async function render(root, { query, navigate }) {
  const granularity = query.get('granularity') === 'week' ? 'week' : 'day';
  const fromDay = query.get('from');
  const toDay = query.get('to');
  // Days are whole UTC days; `to` is inclusive on screen and exclusive in the API.
  const m = await get('/v1/metrics', {
    granularity,
    from: fromDay ? `${fromDay}T00:00:00.000Z` : undefined,
    to: toDay ? new Date(Date.parse(`${toDay}T00:00:00.000Z`) + DAY_MS).toISOString() : undefined,
  });
  const currencies = currenciesOf(m);
  const chosen = currencies.includes(query.get('currency')) ? query.get('currency') : currencies[0];

  const charts = [];
  add(
    root,
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, 'Overview'),
      h('p', { class: 'muted', 'data-testid': 'period' }, periodText(m)),
    ),
    periodForm(m, { granularity, currencies, chosen, navigate }),
    kpis(m, currencies),
  );
  const chartArea = h('div', { class: 'grid grid-2' });
  add(root, chartArea);

  add(
    chartArea,
    chartCard(charts, {
      id: 'chart-rates',
      title: 'Recovery and churn over time',
      summary: `Revenue recovery rate (${chosen ?? 'no currency'}) and involuntary churn rate per ${granularity}.`,
      type: 'line',
      labels: m.series.map((p) => bucketLabel(p, granularity)),
      datasets: [
        {
          label: `Recovery rate${chosen ? ` (${chosen})` : ''}`,
          data: m.series.map((p) => ratePoint(cur(p, chosen)?.recovery_rate)),
          borderColor: COLORS.green,
          backgroundColor: COLORS.green,
        },
        {
          label: 'Involuntary churn rate',
          data: m.series.map((p) => ratePoint(p.churn_rate)),
          borderColor: COLORS.red,
          backgroundColor: COLORS.red,
        },
      ],
      percent: true,
    }),
    chartCard(charts, {
      id: 'chart-mrr',
      title: `MRR saved and lost${chosen ? ` (${chosen})` : ''}`,
      summary: `Monthly recurring revenue returned to active and lost to dunning, per ${granularity}.`,
      type: 'bar',
      labels: m.series.map((p) => bucketLabel(p, granularity)),
      datasets: [
        {
          label: 'MRR saved',
          data: m.series.map((p) =>
            toMajor(cur(p, chosen)?.mrr_saved_in_cents ?? 0, chosen ?? 'USD'),
          ),
          backgroundColor: COLORS.green,
        },
        {
          label: 'MRR lost',
          data: m.series.map((p) =>
            toMajor(cur(p, chosen)?.mrr_lost_in_cents ?? 0, chosen ?? 'USD'),
          ),
          backgroundColor: COLORS.red,
        },
      ],
      currency: chosen,
    }),
    chartCard(charts, {
      id: 'chart-cases',
      title: 'Cases opened and how they stand',
      summary: `Cases opened per ${granularity}, by their state now.`,
      type: 'bar',
      stacked: true,
      labels: m.series.map((p) => bucketLabel(p, granularity)),
      datasets: outcomeDatasets(m.series),
    }),
  );

  const breakdowns = [
    ['decline_category', 'By decline category', (r) => categoryLabel(r.key) ?? r.label],
    ['strategy', 'By strategy', (r) => r.label],
    ['payment_method_type', 'By payment-method type', (r) => METHOD_LABEL[r.key] ?? r.label],
  ];
  for (const [key, title, labelOf] of breakdowns) {
    const rows = m.breakdowns[key] ?? [];
    add(
      chartArea,
      chartCard(charts, {
        id: `chart-${key}`,
        title,
        summary: `Cases opened in the period by their state now, ${title.toLowerCase()}.`,
        type: 'bar',
        stacked: true,
        labels: rows.map(labelOf),
        datasets: outcomeDatasets(rows),
        categories: true,
        table: breakdownTable(title, rows, labelOf),
      }),
    );
  }
  return () => {
    for (const c of charts) c.destroy();
  };
}

function currenciesOf(m) {
  // Amounts of different currencies do not compare: the currency seen on most days comes first.
  const days = new Map();
  for (const c of [...m.currencies, ...m.at_risk.currencies]) days.set(c.currency, 0);
  for (const p of m.series)
    for (const c of p.currencies)
      if (c.entered_in_cents > 0) days.set(c.currency, (days.get(c.currency) ?? 0) + 1);
  return [...days.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([c]) => c);
}

function cur(figures, currency) {
  return figures.currencies.find((c) => c.currency === currency) ?? null;
}

function outcomeDatasets(rows) {
  return [
    ['Recovered', 'recovered', COLORS.green],
    ['Open', 'open', COLORS.amber],
    ['Canceled', 'canceled', COLORS.red],
    ['Unpaid', 'unpaid', COLORS.purple],
    ['Stopped', 'stopped', COLORS.grey],
  ].map(([label, key, color]) => ({
    label,
    data: rows.map((r) => r.cases[key]),
    backgroundColor: color,
  }));
}

function ratePoint(rate) {
  return rate === null || rate === undefined ? null : Math.round(rate * 1000) / 10;
}

function periodText(m) {
  const last = new Date(Date.parse(m.to) - 1);
  return `${date(m.from)} – ${date(last.toISOString())} · as of ${dateTime(m.as_of)}`;
}

function bucketLabel(p, granularity) {
  return granularity === 'week' ? `Week of ${date(p.start)}` : date(p.start);
}

function periodForm(m, { granularity, currencies, chosen, navigate }) {
  const from = h('input', { type: 'date', name: 'from', value: isoDay(m.from), required: true });
  const to = h('input', {
    type: 'date',
    name: 'to',
    value: isoDay(new Date(Date.parse(m.to) - 1)),
    required: true,
  });
  const gran = h(
    'select',
    { name: 'granularity' },
    h('option', { value: 'day', selected: granularity === 'day' }, 'Daily'),
    h('option', { value: 'week', selected: granularity === 'week' }, 'Weekly'),
  );
  const currency =
    currencies.length > 1
      ? h(
          'select',
          { name: 'currency' },
          currencies.map((c) => h('option', { value: c, selected: c === chosen }, c)),
        )
      : null;
  const go = (params) => {
    const qs = new URLSearchParams(params);
    navigate(`/dashboard/?${qs}`);
  };
  const asOf = new Date(m.as_of);
  const quick = (days, label) =>
    h(
      'button',
      {
        type: 'button',
        class: 'button small',
        onclick: () =>
          go({
            from: isoDay(addDays(asOf, -days + 1)),
            to: isoDay(asOf),
            granularity: days > 60 ? 'week' : gran.value,
            ...(currency ? { currency: currency.value } : {}),
          }),
      },
      label,
    );
  const form = h(
    'form',
    {
      class: 'toolbar card',
      'aria-label': 'Period',
      onsubmit: (event) => {
        event.preventDefault();
        if (from.value > to.value) {
          from.setCustomValidity('The first day must come before the last day.');
          from.reportValidity();
          return;
        }
        from.setCustomValidity('');
        go({
          from: from.value,
          to: to.value,
          granularity: gran.value,
          ...(currency ? { currency: currency.value } : {}),
        });
      },
    },
    field('From', from),
    field('To (inclusive)', to),
    field('Charts by', gran),
    currency ? field('Currency of the charts', currency) : null,
    h('button', { type: 'submit', class: 'button primary' }, 'Show'),
    h(
      'div',
      { class: 'actions', role: 'group', 'aria-label': 'Quick periods' },
      quick(7, 'Last 7 days'),
      quick(30, 'Last 30 days'),
      quick(90, 'Last 90 days'),
    ),
  );
  return form;
}

/** Percentage points, signed: +8.0 pts. */
function points(x) {
  const v = Math.round(x * 1000) / 10;
  return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(1)} pts`;
}

/** The control-group tile: the difference in recovery rate, and what it rests on. */
function upliftTile(g) {
  if (!g) return ['—', 'No control group figures'];
  const t = g.treatment.cases.opened;
  const c = g.control.cases.opened;
  if (c === 0)
    return [
      '—',
      g.share > 0
        ? `${percent(g.share)} of new cases are held out; none opened in the period yet`
        : 'Control group off: hold out a share of new cases in Settings to measure what smart retries add',
    ];
  const groups = `smart ${percent(g.treatment.recovery_rate)} of ${count(t)} cases · control ${percent(g.control.recovery_rate)} of ${count(c)}`;
  const interval = g.interval
    ? `95 % interval ${points(g.interval.low)} to ${points(g.interval.high)}`
    : '';
  return [
    g.difference === null ? '—' : points(g.difference),
    `${groups}; ${interval}${g.significant ? '' : ' (not yet conclusive)'}`,
  ];
}

function kpis(m, order) {
  const rank = (c) => order.indexOf(c.currency);
  m = {
    ...m,
    currencies: [...m.currencies].sort((a, b) => rank(a) - rank(b)),
    at_risk: {
      ...m.at_risk,
      currencies: [...m.at_risk.currencies].sort((a, b) => rank(a) - rank(b)),
    },
  };
  const moneyLines = (items, pick) =>
    items.length
      ? items.map((c) =>
          h(
            'span',
            { class: 'money-line', dataset: { currency: c.currency } },
            money(pick(c), c.currency),
          ),
        )
      : money(0, m.at_risk.currencies[0]?.currency ?? 'USD');
  const rateLines = m.currencies.length
    ? m.currencies.map((c) =>
        h(
          'span',
          { class: 'money-line', dataset: { currency: c.currency } },
          percent(c.recovery_rate),
          m.currencies.length > 1 ? h('span', { class: 'kpi-sub' }, `of ${c.currency}`) : null,
        ),
      )
    : '—';
  const entered = m.currencies
    .map(
      (c) =>
        `${money(c.recovered_in_cents, c.currency)} of ${money(c.entered_in_cents, c.currency)}`,
    )
    .join(' · ');
  const tiles = [
    [
      'recovery_rate',
      'Revenue recovery rate',
      rateLines,
      entered ? `${entered} recovered` : 'No case opened in the period',
    ],
    [
      'churn_rate',
      'Involuntary churn rate',
      percent(m.churn.rate),
      `${count(m.churn.subscriptions_ended)} of ${count(m.churn.subscriptions_live_at_start + m.churn.subscriptions_started)} subscriptions of the period ended by dunning`,
    ],
    [
      'mrr_saved',
      'MRR saved',
      moneyLines(m.currencies, (c) => c.mrr_saved_in_cents),
      `${count(m.subscriptions_recovered)} subscriptions recovered`,
    ],
    [
      'mrr_lost',
      'MRR lost',
      moneyLines(m.currencies, (c) => c.mrr_lost_in_cents),
      `${count(m.subscriptions_ended)} subscriptions ended`,
    ],
    ['open_cases', 'Open cases', count(m.at_risk.open_cases), 'now'],
    [
      'amount_at_risk',
      'Amount at risk',
      moneyLines(m.at_risk.currencies, (c) => c.amount_in_cents),
      'owed on the open cases now',
    ],
    ['control_group', 'Smart retries vs control', ...upliftTile(m.control_group)],
  ];
  return h(
    'section',
    { 'aria-labelledby': 'kpi-title' },
    h('h2', { id: 'kpi-title', class: 'visually-hidden' }, 'Key figures'),
    h(
      'dl',
      { class: 'kpis' },
      tiles.map(([key, label, value, sub]) =>
        h(
          'div',
          { class: 'kpi', dataset: { kpi: key } },
          h('dt', null, label),
          h('dd', { class: 'kpi-value' }, value, h('span', { class: 'kpi-sub' }, sub)),
        ),
      ),
    ),
  );
}

function chartCard(charts, spec) {
  const titleId = `${spec.id}-title`;
  const canvas = h('canvas', {
    role: 'img',
    'aria-label': `${spec.title}. ${spec.summary} The data table below has the figures.`,
  });
  const card = h(
    'section',
    { class: 'card', 'aria-labelledby': titleId, dataset: { chart: spec.id } },
    h('h2', { id: titleId }, spec.title),
    h('div', { class: 'chart-box' }, canvas),
    h(
      'details',
      { class: 'data-table' },
      h('summary', null, 'Data table'),
      spec.table ?? seriesTable(spec),
    ),
  );
  if (window.Chart && spec.labels.length) {
    const format = (v) =>
      spec.percent ? `${v}%` : spec.currency ? moneyMajor(v, spec.currency) : String(v);
    charts.push(
      new window.Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: spec.datasets },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          spanGaps: true,
          maxBarThickness: 56,
          interaction: { mode: 'index', intersect: false },
          plugins: {
            legend: { position: 'bottom' },
            tooltip: {
              callbacks: {
                label: (ctx) =>
                  `${ctx.dataset.label}: ${ctx.parsed.y === null ? '—' : format(ctx.parsed.y)}`,
              },
            },
          },
          scales: {
            x: {
              stacked: Boolean(spec.stacked),
              ticks: spec.categories
                ? { autoSkip: false, maxRotation: 45 }
                : { maxRotation: 0, autoSkip: true },
            },
            y: {
              stacked: Boolean(spec.stacked),
              beginAtZero: true,
              ...(spec.percent ? { suggestedMax: 100 } : { suggestedMax: spec.currency ? 10 : 4 }),
              ticks: {
                callback: (v) => format(v),
                precision: spec.percent || spec.currency ? undefined : 0,
              },
            },
          },
        },
      }),
    );
  } else if (!spec.labels.length) {
    card
      .querySelector('.chart-box')
      .replaceWith(h('p', { class: 'empty' }, 'Nothing in this period.'));
  }
  return card;
}

function seriesTable(spec) {
  const format = (v) =>
    v === null || v === undefined
      ? '—'
      : spec.percent
        ? `${v}%`
        : spec.currency
          ? moneyMajor(v, spec.currency)
          : String(v);
  return table(
    spec.title,
    ['', ...spec.datasets.map((d) => d.label)],
    spec.labels.map((label, i) =>
      h(
        'tr',
        null,
        h('th', { scope: 'row' }, label),
        spec.datasets.map((d) => h('td', { class: 'num' }, format(d.data[i]))),
      ),
    ),
  );
}

function breakdownTable(title, rows, labelOf) {
  return table(
    title,
    ['', 'Cases opened', 'Recovered', 'Open', 'Recovery rate', 'MRR saved', 'MRR lost'],
    rows.map((r) =>
      h(
        'tr',
        { dataset: { key: r.key } },
        h('th', { scope: 'row' }, labelOf(r)),
        h('td', { class: 'num' }, count(r.cases.opened)),
        h('td', { class: 'num' }, count(r.cases.recovered)),
        h('td', { class: 'num' }, count(r.cases.open)),
        h(
          'td',
          { class: 'num' },
          r.currencies
            .map(
              (c) =>
                `${percent(c.recovery_rate)}${r.currencies.length > 1 ? ` ${c.currency}` : ''}`,
            )
            .join(' · ') || '—',
        ),
        h(
          'td',
          { class: 'num' },
          r.currencies.map((c) => money(c.mrr_saved_in_cents, c.currency)).join(' · ') || '—',
        ),
        h(
          'td',
          { class: 'num' },
          r.currencies.map((c) => money(c.mrr_lost_in_cents, c.currency)).join(' · ') || '—',
        ),
      ),
    ),
  );
}
