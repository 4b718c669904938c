// The dashboard shell: a router over real links (/dashboard/...), the merchant header, the
// test-mode banner with its clock, the demo-preparation banner, and page rendering with focus
// moved to the new heading.
import { takeFlash } from './actions.js';
import { ApiError, get, post } from './api.js';
import { announce, fill, h, notice } from './dom.js';
import { addDays, dateTime, isoDay } from './format.js';

const BASE = '/dashboard';
// How often the banner asks how far the demo preparation is (GET /v1/demo_preparation).
const PREPARATION_POLL_MS = 2000;

const routes = [
  { path: /^\/?$/, nav: 'overview', load: () => import('./pages/overview.js') },
  { path: /^\/cases\/?$/, nav: 'cases', load: () => import('./pages/cases.js') },
  { path: /^\/cases\/([^/]+)$/, nav: 'cases', load: () => import('./pages/case.js') },
  { path: /^\/strategies\/?$/, nav: 'strategies', load: () => import('./pages/strategies.js') },
  { path: /^\/strategies\/([^/]+)$/, nav: 'strategies', load: () => import('./pages/strategy.js') },
  { path: /^\/templates\/?$/, nav: 'templates', load: () => import('./pages/templates.js') },
  { path: /^\/templates\/([^/]+)$/, nav: 'templates', load: () => import('./pages/template.js') },
  { path: /^\/messages\/?$/, nav: 'messages', load: () => import('./pages/messages.js') },
  { path: /^\/webhooks\/?$/, nav: 'webhooks', load: () => import('./pages/webhooks.js') },
  { path: /^\/settings\/?$/, nav: 'settings', load: () => import('./pages/settings.js') },
];

const main = document.getElementById('main');
let merchant = null;
let cleanup = null;
let renderSeq = 0;

/** Business time: the test clock in test mode, the real time otherwise. */
export function merchantNow() {
  return merchant?.test_clock_now ? new Date(merchant.test_clock_now) : new Date();
}

export function getMerchant() {
  return merchant;
}

export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  return render({ focus: true });
}

async function render({ focus }) {
  const seq = ++renderSeq;
  const sub = window.location.pathname.slice(BASE.length) || '/';
  const route = routes.find((r) => r.path.test(sub));
  if (cleanup) {
    try {
      cleanup();
    } catch {}
    cleanup = null;
  }
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (route && a.dataset.nav === route.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  closeNav();
  main.setAttribute('aria-busy', 'true');
  if (!route) {
    fill(
      main,
      h('h1', { tabindex: '-1' }, 'Page not found'),
      h('p', null, h('a', { href: `${BASE}/` }, 'Back to the overview')),
    );
    main.setAttribute('aria-busy', 'false');
    return;
  }
  const params = route.path.exec(sub).slice(1).map(decodeURIComponent);
  const query = new URLSearchParams(window.location.search);
  try {
    const page = await route.load();
    const container = h('div', { class: 'page' });
    const ctx = { params, query, merchant, navigate, refreshClock: loadMerchant };
    const result = await page.render(container, ctx);
    if (seq !== renderSeq) return; // a newer navigation won
    fill(main, container);
    cleanup = typeof result === 'function' ? result : null;
    const heading = container.querySelector('h1');
    const flashed = takeFlash();
    if (flashed) {
      // Into the page's own results area when it has one, so its next outcome replaces it.
      const results = container.querySelector('.results');
      if (results) fill(results, notice(flashed.text, flashed.kind));
      else
        (container.querySelector('.page-head') ?? heading ?? container.firstChild)?.after(
          notice(flashed.text, flashed.kind),
        );
      announce(flashed.text);
    }
    document.title = `${heading?.textContent ?? 'Dashboard'} · Dunner`;
    if (focus && heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  } catch (err) {
    if (seq !== renderSeq) return;
    fill(
      main,
      h('h1', { tabindex: '-1' }, 'This page could not be loaded'),
      notice(err instanceof ApiError ? err.message : String(err?.message ?? err), 'error'),
    );
  } finally {
    if (seq === renderSeq) main.setAttribute('aria-busy', 'false');
  }
}

async function loadMerchant() {
  merchant = await get('/v1/merchant');
  document.getElementById('merchant-name').textContent = merchant.name;
  const banner = document.getElementById('test-mode');
  const test = merchant.mode === 'test';
  banner.hidden = !test;
  document.body.classList.toggle('is-test-mode', test);
  if (test && merchant.test_clock_now) {
    const now = document.getElementById('test-clock-now');
    now.dateTime = merchant.test_clock_now;
    now.textContent = dateTime(merchant.test_clock_now);
    const input = document.getElementById('advance-to-date');
    input.min = isoDay(addDays(merchant.test_clock_now, 1));
    if (!input.value || input.value < input.min) input.value = input.min;
  }
  return merchant;
}

async function advanceClock(body, button) {
  const buttons = document.querySelectorAll('#test-mode button');
  for (const b of buttons) b.disabled = true;
  const before = merchant?.test_clock_now;
  try {
    announce('Advancing the test clock…');
    await post('/v1/test_clock/advance', body);
    await loadMerchant();
    await render({ focus: false });
    announce(`Test clock moved from ${dateTime(before)} to ${dateTime(merchant.test_clock_now)}.`);
  } catch (err) {
    announce(`The test clock did not move: ${err.message}`);
    const title = document.getElementById('test-mode-title');
    title.after(notice(`The test clock did not move: ${err.message}`, 'error'));
  } finally {
    for (const b of buttons) b.disabled = false;
    button?.focus();
  }
}

/**
 * While the first start prepares the demo, a banner says how far it is and the clock controls
 * wait (the preparation moves the test clock itself). When it is done the page is drawn again.
 */
async function watchDemoPreparation() {
  let p;
  try {
    p = await get('/v1/demo_preparation');
  } catch {
    // A server that cannot answer now may later: ask again.
    setTimeout(watchDemoPreparation, PREPARATION_POLL_MS * 5);
    return;
  }
  const banner = document.getElementById('demo-preparation');
  const title = document.getElementById('demo-preparation-title');
  const detail = document.getElementById('demo-preparation-detail');
  const bar = document.getElementById('demo-preparation-progress');
  const wasPreparing = !banner.hidden && !banner.classList.contains('is-failed');
  const preparing = p.status === 'preparing';
  // Only a preparation starting or ending touches them: an advance in flight keeps its own.
  if (preparing || wasPreparing)
    for (const b of document.querySelectorAll('#test-mode button')) b.disabled = preparing;
  banner.classList.toggle('is-failed', p.status === 'failed');
  if (preparing) {
    banner.hidden = false;
    if (p.stage === 'walking') {
      title.textContent = `Preparing the demo: day ${p.day} of ${p.days}…`;
      detail.textContent =
        'Renewals fail and dunning runs on the test clock, day by day; each page you open shows ' +
        'the figures so far. The clock controls wait until it is done.';
      bar.max = Math.max(1, p.days);
      bar.value = p.day;
    } else {
      title.textContent = `Preparing the demo: customers ${p.customers_seeded} of ${p.customers_total}…`;
      detail.textContent =
        'Creating the demo customers; then weeks of dunning run on the test clock. The clock ' +
        'controls wait until it is done.';
      bar.max = Math.max(1, p.customers_total);
      bar.value = p.customers_seeded;
    }
    await loadMerchant().catch(() => {});
    setTimeout(watchDemoPreparation, PREPARATION_POLL_MS);
    return;
  }
  if (p.status === 'failed') {
    banner.hidden = false;
    title.textContent = `Preparing the demo stopped at day ${p.day} of ${p.days}.`;
    detail.textContent = `${p.error ?? 'An error stopped it.'} What was prepared stays; the server log says more.`;
    return;
  }
  banner.hidden = true;
  if (wasPreparing) {
    announce('The demo is ready.');
    await loadMerchant().catch(() => {});
    await render({ focus: false });
  }
}

function closeNav() {
  document.getElementById('nav-toggle').setAttribute('aria-expanded', 'false');
  document.getElementById('nav').classList.remove('open');
}

function wire() {
  // The skip link moves focus itself: the URL keeps no #main and the router sees no navigation.
  document.querySelector('.skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  document.addEventListener('click', (event) => {
    const a = event.target.closest?.('a[href]');
    if (!a || a.target || a.hasAttribute('download')) return;
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const url = new URL(a.href, window.location.href);
    if (url.origin !== window.location.origin || !url.pathname.startsWith(BASE)) return;
    if (url.pathname.startsWith(`${BASE}/sign-`)) return;
    if (url.hash && url.pathname === window.location.pathname) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  window.addEventListener('popstate', () => render({ focus: true }));

  const toggle = document.getElementById('nav-toggle');
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    document.getElementById('nav').classList.toggle('open', open);
  });

  for (const b of document.querySelectorAll('[data-advance-days]'))
    b.addEventListener('click', () => advanceClock({ days: Number(b.dataset.advanceDays) }, b));
  document.getElementById('advance-to').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = document.getElementById('advance-to-date').value;
    if (!value) return;
    advanceClock({ to: `${value}T00:00:00.000Z` }, event.submitter);
  });
}

wire();
loadMerchant()
  .catch((err) => {
    document.getElementById('merchant-name').textContent = '';
    console.error(err);
  })
  .finally(() => render({ focus: false }));
watchDemoPreparation();
