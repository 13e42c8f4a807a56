// The supervisor dashboard /dashboard/ in Debian's Chromium driven by playwright-core, against the running system:
// a supervisor watches while chats are started and closed (REST, as a shop's back end or the widget would) and an agent
// works on the desktop /agent/ (another browser context). At every step the figures on screen must match the system's
// state, read from routing-service's GET /api/v1/stats/live: the queue's waiting chats and agents available, the agent's
// presence and load; an alert must appear when the queue breaks its target; today's figures must match history-service's.
// Run by deploy/e2e's BrowserIT, which starts the system, seeds it and passes:
//
//   BASE_URL          session-service, e.g. http://127.0.0.1:8080
//   ROUTING_URL       routing-service (its live view is the reference)
//   SUPERVISOR_TOKEN  a JWT with the supervisor role
//   AGENT_TOKEN       a JWT with the agent role for AGENT_ID, the only agent with the queue's skill (cap AGENT_CAP)
//   QUEUE_ID, QUEUE_NAME  the queue the form's topic "returns" is routed to (service level target 5 s)
//   MARKUP_QUEUE_ID   a queue whose name is markup (it must show as text)
//   SCREENSHOTS       the directory for the screenshots
//   CHROMIUM          the browser (default /usr/bin/chromium)
//
// Prints "DASHBOARD FLOW PASSED" when everything held; any failure exits non-zero with the reason.

import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === '') {
    throw new Error(`${name} is not set`);
  }
  return v;
};
const BASE = env('BASE_URL').replace(/\/$/, '');
const ROUTING = env('ROUTING_URL').replace(/\/$/, '');
const SUPERVISOR_TOKEN = env('SUPERVISOR_TOKEN');
const AGENT_TOKEN = env('AGENT_TOKEN');
const AGENT_ID = env('AGENT_ID');
const AGENT_CAP = Number(env('AGENT_CAP'));
const QUEUE_ID = env('QUEUE_ID');
const QUEUE_NAME = env('QUEUE_NAME');
const MARKUP_QUEUE_ID = env('MARKUP_QUEUE_ID');
const SHOTS = env('SCREENSHOTS');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const WAIT = 45_000;
const PAYLOAD = '<img src=x onerror=alert(1)>';

mkdirSync(SHOTS, { recursive: true });
const started = Date.now();
const log = (...a) => console.log(`[dashboard ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s]`, ...a);

const problems = [];
const dialogs = [];
function watch(page, who) {
  page.on('dialog', async (d) => {
    dialogs.push(`${who}: ${d.type()} ${d.message()}`);
    await d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => problems.push(`${who}: page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) {
      problems.push(`${who}: ${m.text()}`);
    }
  });
}

async function shot(page, name, fullPage = false) {
  if (fullPage) {
    // the whole page from its top: the sticky header and the toasts (fixed to the viewport) would otherwise be drawn
    // across the middle of it; toasts leave by themselves after 7 s
    await until(async () => await page.locator('#toasts .toast').count() === 0, 'the toasts leave', 15_000)
      .catch(() => log('a toast is still shown'));
    await page.evaluate(() => window.scrollTo(0, 0));
  }
  await page.screenshot({ path: join(SHOTS, name), fullPage });
  log('screenshot', name);
}

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

/** Waits until the condition holds; fails with the message (a function: computed at the end). */
async function until(condition, message, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await condition()) {
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(typeof message === 'function' ? await message() : message);
}

async function json(url, options = {}) {
  const r = await fetch(url, options);
  const text = await r.text();
  if (!r.ok) {
    throw new Error(`${options.method || 'GET'} ${url}: ${r.status} ${text.slice(0, 300)}`);
  }
  return text ? JSON.parse(text) : null;
}

/** routing-service's live view: the reference the screen is compared with. */
async function system() {
  const live = await json(`${ROUTING}/api/v1/stats/live`, { headers: { Authorization: `Bearer ${SUPERVISOR_TOKEN}` } });
  const q = live.queues.find((x) => x.queueId === QUEUE_ID);
  const a = live.agents.find((x) => x.agentId === AGENT_ID);
  return { waiting: q.waiting, available: q.agentsAvailable, presence: a.presence, load: `${a.activeChats} / ${a.maxConcurrentChats}` };
}

const chats = [];
/** A chat started through session-service's public REST API, as a shop's page or back end would. */
async function startChat(name) {
  const body = { formId: 'default', visitor: { name }, form: { topic: 'returns' }, message: `${name}: the parcel came back damaged` };
  const c = await json(`${BASE}/api/v1/chats`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `dash-${name}-${started}` }, body: JSON.stringify(body),
  });
  check(c.queueId === QUEUE_ID, `the chat went to ${QUEUE_ID} (got ${c.queueId})`);
  chats.push(c);
  log('started', name, c.chatId, c.status);
  return c;
}

async function closeChat(c) {
  await json(`${BASE}/api/v1/chats/${c.chatId}/close`, { method: 'POST', headers: { Authorization: `Bearer ${c.visitorToken}` } });
  log('closed', c.chatId);
}

const userDataDir = mkdtempSync(join(tmpdir(), 'chatroute-chromium-'));
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', `--crash-dumps-dir=${userDataDir}`],
  timeout: 60_000,
});
log('chromium', browser.version());
try {
  const supervisorContext = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB', reducedMotion: 'reduce' });
  const agentContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', reducedMotion: 'reduce' });
  supervisorContext.setDefaultTimeout(WAIT);
  agentContext.setDefaultTimeout(WAIT);
  const board = await supervisorContext.newPage();
  const desk = await agentContext.newPage();
  watch(board, 'dashboard');
  watch(desk, 'agent');

  // ------------------------------------------------------------------ sign-in: an agent's token is not a supervisor's
  await board.goto(`${BASE}/dashboard/`);
  await board.getByLabel('Token').fill(AGENT_TOKEN);
  await board.getByRole('button', { name: 'Sign in' }).click();
  await board.locator('#signin-error').getByText('neither the supervisor nor the admin role').waitFor();
  await shot(board, '20-dashboard-sign-in.png');

  await board.goto(`${BASE}/dashboard/#token=${encodeURIComponent(SUPERVISOR_TOKEN)}`);
  await board.locator('#board').waitFor({ state: 'visible' });
  check(new URL(board.url()).hash === '', 'the token must not stay in the address bar');
  await board.locator('#conn').getByText('Live').waitFor();
  const row = board.locator(`#queue-rows tr[data-queue="${QUEUE_ID}"]`);
  const agentRow = board.locator(`#agent-rows tr[data-agent="${AGENT_ID}"]`);
  await row.waitFor();
  await agentRow.waitFor();
  check(await row.locator('.q-name').textContent() === QUEUE_NAME, 'the queue by its name');

  /** What the dashboard shows for the queue and the agent. */
  const screen = async () => ({
    waiting: Number((await row.locator('[data-col="waiting"]').textContent()).trim()),
    available: Number((await row.locator('[data-col="available"]').textContent()).split('/')[0].trim()),
    presence: (await agentRow.getAttribute('data-presence')) || '',
    load: (await agentRow.locator('.load-text').textContent()).trim(),
  });
  /** Waits until the screen shows what is expected AND routing-service's live view says the same. */
  async function matches(expected, what) {
    let last = {};
    await until(async () => {
      const [s, sys] = await Promise.all([screen(), system()]);
      last = { screen: s, system: sys };
      return Object.entries(expected).every(([k, v]) => s[k] === v && sys[k] === v);
    }, () => `${what}: expected ${JSON.stringify(expected)}, saw ${JSON.stringify(last)}`);
    log(what, JSON.stringify(last.screen));
  }

  // markup as a queue's name is text
  const markupRow = board.locator(`#queue-rows tr[data-queue="${MARKUP_QUEUE_ID}"]`);
  await markupRow.waitFor();
  check(await markupRow.locator('.q-name').textContent() === PAYLOAD, 'a queue name with markup is shown as text');

  await matches({ waiting: 0, available: 0, presence: 'OFFLINE', load: `0 / ${AGENT_CAP}` }, 'at the start');

  // ------------------------------------------------------------------ the agent signs in and becomes available
  await desk.goto(`${BASE}/agent/#token=${encodeURIComponent(AGENT_TOKEN)}`);
  await desk.locator('#conn').getByText('Connected').waitFor();
  await desk.locator('[data-status="AVAILABLE"]').click();
  await desk.locator('[data-status="AVAILABLE"][aria-checked="true"]').waitFor();
  await matches({ available: 1, presence: 'AVAILABLE', load: `0 / ${AGENT_CAP}` }, 'agent available');
  await until(async () => (await agentRow.locator('[data-col="idle"]').textContent()).trim() !== '–', 'the idle time of an available agent');

  // ------------------------------------------------------------------ a chat: offered to the agent, accepted
  const first = await startChat('Robin Returns');
  await matches({ waiting: 0, load: `1 / ${AGENT_CAP}` }, 'first chat offered');
  const offer = desk.locator('.offer', { hasText: 'Robin Returns' });
  await offer.getByRole('button', { name: 'Accept' }).click();
  const pane = desk.locator('.pane:not([hidden])');
  await pane.locator('.chat-title').getByText('Robin Returns').waitFor();
  await pane.locator('.tag-input').fill('damaged-parcel');
  await pane.locator('.tag-input').press('Enter');
  await pane.getByRole('button', { name: 'Save tags' }).click();
  await pane.locator('.tag-actions [role="status"]').getByText('Saved').waitFor();
  await matches({ waiting: 0, load: `1 / ${AGENT_CAP}`, available: 1 }, 'first chat accepted');
  await shot(board, '21-dashboard-live.png');

  // ------------------------------------------------------------------ the agent steps away: chats wait, the target breaks
  await desk.locator('[data-status="AWAY"]').click();
  await desk.locator('[data-status="AWAY"][aria-checked="true"]').waitFor();
  await matches({ available: 0, presence: 'AWAY' }, 'agent away');
  const second = await startChat('Sam Sizes');
  const third = await startChat('Kim Colours');
  await matches({ waiting: 2, available: 0 }, 'two chats waiting');
  check(Number(await board.locator('#kpi-waiting .kpi-value').textContent()) >= 2, 'the waiting total counts them');
  // someone has waited longer than the queue's 5 s target: an alert, and the queue's row is marked
  const alert = board.locator(`#alerts li[data-queue="${QUEUE_ID}"][data-kind="wait-over-target"]`);
  await alert.waitFor();
  check((await alert.textContent()).includes(QUEUE_NAME), 'the alert names the queue');
  await row.and(board.locator('tr.breach')).waitFor();
  await board.locator('.toast-error').first().waitFor(); // the alert frame, once
  await until(async () => (await row.locator('[data-col="longest"]').textContent()).trim() !== '–', 'the longest wait is shown');
  await shot(board, '22-dashboard-alert.png');
  await shot(board, '22b-dashboard-alert-full.png', true);

  // ------------------------------------------------------------------ one visitor gives up; the agent comes back and takes the other
  await closeChat(second);
  await matches({ waiting: 1 }, 'one chat left the queue');
  await desk.locator('[data-status="AVAILABLE"]').click();
  await matches({ waiting: 0, presence: 'AVAILABLE', load: `2 / ${AGENT_CAP}`, available: AGENT_CAP > 2 ? 1 : 0 }, 'the waiting chat offered');
  await desk.locator('.offer', { hasText: 'Kim Colours' }).getByRole('button', { name: 'Accept' }).click();
  await desk.locator('.tab', { hasText: 'Kim Colours' }).waitFor();
  // nobody waits any more: the wait alert clears (a service-level alert may stay: the second chat was answered late)
  await alert.waitFor({ state: 'detached' });
  check(!(await row.getAttribute('class') || '').includes('breach')
    || await board.locator(`#alerts li[data-queue="${QUEUE_ID}"][data-kind="service-level-below-target"]`).count() === 1,
  'the row is marked only while an alert is in force');

  // ------------------------------------------------------------------ both chats end
  await closeChat(first);
  await closeChat(third);
  await matches({ waiting: 0, load: `0 / ${AGENT_CAP}`, available: 1 }, 'all chats closed');

  // ------------------------------------------------------------------ today's figures match history-service's
  const history = async () => json(`${BASE}/api/v1/metrics/today?groupBy=queue`, { headers: { Authorization: `Bearer ${SUPERVISOR_TOKEN}` } });
  let expected = null;
  await until(async () => {
    const h = await history();
    const q = (h.groups || []).find((g) => g.key === QUEUE_ID);
    // history has every chat of this run: three started, one abandoned, two answered and closed
    if (!q || q.chats < 3 || q.abandoned < 1 || !q.handleSeconds || q.handleSeconds.count < 2) {
      return false;
    }
    await board.locator('#history-refresh').click();
    await board.locator('#history-status').getByText('History updated').waitFor();
    const onScreen = {
      chats: (await board.locator('#fig-chats .figure-value').textContent()).trim(),
      abandoned: (await board.locator('#fig-abandoned .figure-value').textContent()).trim(),
    };
    expected = { chats: String(h.total.chats), abandoned: String(h.total.abandoned) };
    const tagShown = await board.locator('#tag-rank [data-tag="damaged-parcel"]').count() === 1;
    return onScreen.chats === expected.chats && onScreen.abandoned === expected.abandoned && tagShown;
  }, () => `today's figures on screen match history-service's ${JSON.stringify(expected)}, and the tag is among the top tags`, 90_000);
  log('today', JSON.stringify(expected));
  check(await board.locator('#hours-empty').isHidden(), 'the hourly chart has today\'s chats');
  check(await board.locator('#live-empty').isHidden(), 'the live chart has its points');
  await shot(board, '23-dashboard-today.png', true);

  // ------------------------------------------------------------------ reload: the live curve is kept in the tab
  await board.reload();
  await board.locator('#conn').getByText('Live').waitFor();
  await row.waitFor();
  check(await board.locator('#live-empty').isHidden(), 'the live curve survives a reload');

  check(await board.locator('img[src="x"]').count() === 0, 'no <img src=x> was created from text');
  check(dialogs.length === 0, `dialogs fired: ${dialogs.join('; ')}`);
  check(problems.length === 0, `page errors or policy violations: ${problems.join('; ')}`);
  log('done');
  console.log('DASHBOARD FLOW PASSED');
} catch (e) {
  console.error('DASHBOARD FLOW FAILED:', e && e.stack ? e.stack : e);
  for (const [i, ctx] of browser.contexts().entries()) {
    for (const [j, page] of ctx.pages().entries()) {
      await page.screenshot({ path: join(SHOTS, `failure-dashboard-${i}-${j}.png`), fullPage: true }).catch(() => {});
    }
  }
  if (problems.length) {
    console.error('also seen:', problems.join('\n'));
  }
  process.exitCode = 1;
} finally {
  await browser.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
