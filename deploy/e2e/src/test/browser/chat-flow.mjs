// A whole chat through the real pages, in Debian's Chromium driven by playwright-core: the shop page /demo/ with the
// widget (one browser context: the visitor) and the agent desktop /agent/ (another context: the agent), against the
// running system. Run by deploy/e2e's BrowserIT, which starts the system, seeds it and passes:
//
//   BASE_URL      session-service, e.g. http://127.0.0.1:8080
//   AGENT_TOKEN   a JWT with the agent role for AGENT_ID (the agent's id)
//   AGENT_NAME    the agent's display name, AGENT_TITLE its title
//   ARTICLE_TITLE the title of a knowledge-base article that matches the visitor's question
//   CANNED_TEXT   the text of the canned response /refund ({agent} filled in by the desktop with DESK_NAME)
//   DESK_NAME     the name the desktop gives the signed-in agent (from the token's subject)
//   SCREENSHOTS   the directory for the screenshots
//   CHROMIUM      the browser (default /usr/bin/chromium)
//   OTHER_SITE_PORT  a free port for a page on another origin that embeds the widget (one of the widget origins)
//   SECOND_AGENT_TOKEN, SECOND_AGENT_ID, SECOND_AGENT_NAME  a second agent of the same queue: the chat is transferred to it
//
// Prints "CHAT_ID=<id>" and, when everything held, "BROWSER FLOW PASSED"; any failure exits non-zero with the reason.

import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
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
const AGENT_TOKEN = env('AGENT_TOKEN');
const AGENT_ID = env('AGENT_ID');
const AGENT_NAME = env('AGENT_NAME');
const AGENT_TITLE = env('AGENT_TITLE');
const ARTICLE_TITLE = env('ARTICLE_TITLE');
const CANNED_TEXT = env('CANNED_TEXT');
const DESK_NAME = env('DESK_NAME');
const SHOTS = env('SCREENSHOTS');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const OTHER_SITE_PORT = Number(env('OTHER_SITE_PORT'));
const SECOND_TOKEN = env('SECOND_AGENT_TOKEN');
const SECOND_ID = env('SECOND_AGENT_ID');
const SECOND_NAME = env('SECOND_AGENT_NAME');
// markup in the note stays text on the next agent's desk
const TRANSFER_NOTE = 'Refund started <b>today</b>; the customer may ask for the confirmation e-mail';
const SECOND_REPLY = 'Hello again, I have taken over: your refund confirmation is on its way.';
const WAIT = 30_000;

// the classic probe: if any page ever parsed it as HTML, the image would fail to load and the handler would run
const PAYLOAD = '<img src=x onerror=alert(1)>';
const VISITOR_QUESTION = 'Hello, I have a question about a payment';
const FOLLOW_UP = 'I was charged twice for one order: can you refund the duplicate payment?';

mkdirSync(SHOTS, { recursive: true });
const started = Date.now();
const log = (...a) => console.log(`[browser ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s]`, ...a);

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

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, name), fullPage: false });
  log('screenshot', name);
}

/** Waits until the locator's text matches. */
async function waitText(locator, pattern, what) {
  const deadline = Date.now() + WAIT;
  let last = '';
  while (Date.now() < deadline) {
    last = (await locator.first().textContent({ timeout: 1000 }).catch(() => '')) || '';
    if (pattern instanceof RegExp ? pattern.test(last) : last.includes(pattern)) {
      return last;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: expected ${pattern} but saw "${last}"`);
}

/** Waits until the condition holds; fails with the message (a function: computed at the end). */
async function until(condition, message) {
  const deadline = Date.now() + WAIT;
  while (Date.now() < deadline) {
    if (await condition()) {
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(typeof message === 'function' ? await message() : message);
}

/**
 * A frame the page sends, answered on the way by `error {code:"busy"}` naming it, as session-service answers while a
 * store is briefly away (busy(net, type, times): the next `times` frames of that type are so answered, those after go
 * through; net.busied: the frames so answered; net.sentAt: when each frame of that type came, until the next busy).
 */
function busy(net, type, times = 1) {
  net.busyNext = type;
  net.busyLeft = times;
  net.busied = [];
  net.sentAt = [];
}

function answeredBusy(net, ws, m) {
  if (!net.busyNext || typeof m !== 'string' || !m.startsWith(`{"type":"${net.busyNext}"`)) {
    return false;
  }
  net.sentAt.push(Date.now());
  if (net.busyLeft === 0) {
    return false; // the frames after the refusals go through
  }
  net.busyLeft--;
  net.busied.push(m);
  const frame = JSON.parse(m);
  ws.send(JSON.stringify({ type: 'error', code: 'busy', message: 'the service is busy: resend in a moment (test)', frame: frame.type,
    ...(frame.chatId ? { chatId: frame.chatId } : {}) }));
  return true;
}

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

const userDataDir = mkdtempSync(join(tmpdir(), 'chatroute-chromium-'));
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  // a fresh profile per run: playwright launches with its own empty user-data-dir (userDataDir above is for crash dumps)
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', `--crash-dumps-dir=${userDataDir}`],
  timeout: 60_000,
});
log('chromium', browser.version());
let chatId = null;
try {
  // reduced motion: no animation half-way through a screenshot
  const agentContext = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB', reducedMotion: 'reduce' });
  const visitorContext = await browser.newContext({ viewport: { width: 1280, height: 820 }, locale: 'en-GB', reducedMotion: 'reduce' });
  agentContext.setDefaultTimeout(WAIT);
  visitorContext.setDefaultTimeout(WAIT);
  const agent = await agentContext.newPage();
  const visitor = await visitorContext.newPage();
  watch(agent, 'agent');
  watch(visitor, 'visitor');

  // ------------------------------------------------------------------ sign-in: a token that is not one is refused on the page
  const signIn = await agentContext.newPage();
  watch(signIn, 'sign-in');
  await signIn.goto(`${BASE}/agent/`);
  await signIn.getByLabel('Token').fill('not-a-token');
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await waitText(signIn.locator('#signin-error'), 'does not look like a token', 'sign-in error');
  await shot(signIn, '00-agent-sign-in.png');
  await signIn.close();

  // ------------------------------------------------------------------ the agent signs in and becomes available
  // the desk's socket passes through a route, so the test can cut it later
  // (and can hold the desk's message frames on the way, as a slow network would: hold)
  const agentNet = { down: false, sockets: [], refused: 0, hold: false, held: [], busyNext: null, busied: [] };
  await agent.routeWebSocket(/\/ws\/agent/, (ws) => {
    if (agentNet.down) {
      agentNet.refused++;
      ws.close({ code: 4001, reason: 'no connection (test)' });
      return;
    }
    agentNet.sockets.push(ws);
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      if (answeredBusy(agentNet, ws, m)) {
        return;
      }
      if (agentNet.hold && typeof m === 'string' && m.startsWith('{"type":"message"')) {
        agentNet.held.push(() => server.send(m));
        return;
      }
      server.send(m);
    });
  });
  await agent.goto(`${BASE}/agent/#token=${encodeURIComponent(AGENT_TOKEN)}`);
  await agent.locator('#desk').waitFor({ state: 'visible' });
  check(new URL(agent.url()).hash === '', 'the token must not stay in the address bar');
  await waitText(agent.locator('#conn'), 'Connected', 'agent socket');
  await agent.locator('[data-status="AVAILABLE"]').click();
  // the switch follows the presence frame routing-service sends back
  await agent.locator('[data-status="AVAILABLE"][aria-checked="true"]').waitFor();
  // a status change answered busy three times in a row (Redis briefly away; played on the way): the desk asks again,
  // waiting longer after each refusal (0.75-1.5 s, 1.5-3 s, then 3-6 s: not all desks come back at once), and the
  // switch follows
  busy(agentNet, 'presence', 3);
  await agent.locator('[data-status="AWAY"]').click();
  await agent.locator('[data-status="AWAY"][aria-checked="true"]').waitFor();
  check(agentNet.busied.length === 3 && agentNet.busied.every((m) => m.includes('"AWAY"')), 'the AWAY answered busy three times, then sent again');
  check(agentNet.sentAt.length === 4, `the AWAY sent four times (${agentNet.sentAt.length})`);
  const waits = agentNet.sentAt.slice(1).map((t, i) => t - agentNet.sentAt[i]);
  log(`the AWAY answered busy three times; waits before each resend ${waits.join(', ')} ms`);
  check(waits[2] >= 2900, `the third refusal waited longer before the AWAY was sent again (waits ${waits.join(', ')} ms)`);
  await agent.locator('[data-status="AVAILABLE"]').click();
  await agent.locator('[data-status="AVAILABLE"][aria-checked="true"]').waitFor();
  await shot(agent, '01-agent-available.png');

  // ------------------------------------------------------------------ the visitor opens the shop and the widget
  await visitor.goto(`${BASE}/demo/`);
  await visitor.locator('.cr-launcher').waitFor({ state: 'visible' });
  await visitor.locator('.cr-launcher-dot').waitFor({ state: 'visible' }); // open now (the widget's config)
  await shot(visitor, '02-demo-shop.png');
  await visitor.locator('.cr-launcher').click();
  await visitor.getByLabel('Your name').waitFor();
  // a submit with nothing filled in: field errors, nothing sent
  await visitor.getByRole('button', { name: 'Start chat' }).click();
  await waitText(visitor.locator('#cr-f-visitor_name-err'), 'name', 'name error');
  await visitor.getByLabel('Your name').fill(PAYLOAD);
  await visitor.getByLabel('Topic').selectOption('billing');
  await visitor.getByLabel('Language (optional)').selectOption('en') // shown as "English";
  await visitor.getByLabel('Email (optional)').fill('vera@example.com');
  await visitor.getByLabel('Your question').fill(VISITOR_QUESTION);
  await shot(visitor, '03-widget-form.png');
  await visitor.getByRole('button', { name: 'Start chat' }).click();
  await visitor.locator('#cr-composer').waitFor();
  await waitText(visitor.locator('.cr-status'), /number \d+ in the queue|Connecting you/, 'queue position');
  await shot(visitor, '04-widget-queued.png');
  chatId = await visitor.evaluate(() => {
    const key = Object.keys(sessionStorage).find((k) => k.startsWith('chatroute:'));
    return key ? JSON.parse(sessionStorage.getItem(key)).chatId : null;
  });
  check(chatId, 'the widget keeps the chat in sessionStorage');
  console.log(`CHAT_ID=${chatId}`);

  // ------------------------------------------------------------------ the offer, with a countdown; accept
  const offer = agent.locator('.offer', { hasText: PAYLOAD });
  await offer.waitFor();
  check(await offer.locator('.offer-name').textContent() === PAYLOAD, 'the visitor name is shown as text in the offer');
  await waitText(offer.locator('.offer-seconds'), /^\d+ s$/, 'offer countdown');
  await waitText(offer.locator('.offer-message'), VISITOR_QUESTION, 'first message in the offer');
  await shot(agent, '05-agent-offer.png');
  await offer.getByRole('button', { name: 'Accept' }).click();
  const pane = agent.locator('.pane:not([hidden])');
  await waitText(pane.locator('.chat-title'), PAYLOAD, 'chat title');
  await waitText(pane.locator('.msg-visitor .bubble'), VISITOR_QUESTION, 'first message in the chat');
  await waitText(agent.locator('#capacity-text'), /^1 \/ \d+$/, 'capacity gauge');

  // the visitor sees who joined: name, title, picture
  await waitText(visitor.locator('.cr-header-title'), AGENT_NAME, 'agent name in the widget');
  await waitText(visitor.locator('.cr-header-sub'), AGENT_TITLE, 'agent title in the widget');
  await visitor.locator('.cr-header .cr-avatar.cr-avatar-loaded img').waitFor();
  await waitText(visitor.locator('.cr-system').last(), `${AGENT_NAME} joined the chat.`, 'joined line');

  // ------------------------------------------------------------------ a question; a knowledge-base suggestion inserted with one click
  await visitor.locator('#cr-composer').fill(FOLLOW_UP);
  await visitor.locator('#cr-composer').press('Enter');
  await pane.locator('.msg-visitor .bubble', { hasText: FOLLOW_UP }).waitFor();
  const suggestion = pane.locator('.suggestion', { hasText: ARTICLE_TITLE });
  await suggestion.waitFor();
  await suggestion.getByRole('button', { name: /Insert/ }).click();
  // the article's full text is fetched first
  await agent.waitForFunction(() => document.querySelector('.pane:not([hidden]) .composer-input').value.length > 40, null,
    { timeout: WAIT });
  const inserted = await pane.locator('.composer-input').inputValue();
  check(inserted.length > 40, `the article's text is in the composer (got "${inserted}")`);
  await pane.getByRole('button', { name: 'Send' }).click();
  await visitor.locator('.cr-theirs .cr-bubble', { hasText: inserted.slice(0, 40) }).waitFor();
  // the visitor's panel is open: it read the message, the agent sees "Read"
  await pane.locator('.msg-agent .receipt[data-state="read"]').last().waitFor();
  // the agent read the visitor's messages: the widget shows it
  await visitor.locator('.cr-mine .cr-receipt[data-state="read"]').last().waitFor();

  // ------------------------------------------------------------------ markup as a message is text at the agent
  await visitor.locator('#cr-composer').fill(PAYLOAD);
  await visitor.locator('#cr-composer').press('Enter');
  await visitor.locator('.cr-mine .cr-receipt[data-state="sent"], .cr-mine .cr-receipt[data-state="read"]').last().waitFor();
  await pane.locator('.msg-visitor .bubble', { hasText: PAYLOAD }).waitFor();
  check(await pane.locator('.msg-visitor .bubble').last().textContent() === PAYLOAD, 'the message is shown as text at the agent');

  // typing indicators both ways
  await pane.locator('.composer-input').pressSequentially('Let me check', { delay: 20 });
  await waitText(visitor.locator('.cr-typing'), `${AGENT_NAME} is typing`, 'agent typing at the visitor');
  await pane.locator('.composer-input').fill('');
  await visitor.locator('#cr-composer').pressSequentially('Thanks', { delay: 20 });
  await waitText(pane.locator('.typing'), 'is typing', 'visitor typing at the agent');
  await visitor.locator('#cr-composer').fill('');

  // ------------------------------------------------------------------ a canned response by /shortcut
  await pane.locator('.composer-input').fill('');
  await pane.locator('.composer-input').pressSequentially('/ref', { delay: 30 });
  await agent.locator('.canned-item', { hasText: '/refund' }).first().waitFor();
  await shot(agent, '06-agent-canned.png');
  await pane.locator('.composer-input').press('Enter');
  const canned = await pane.locator('.composer-input').inputValue();
  check(canned === CANNED_TEXT.replace('{agent}', DESK_NAME), `the canned text is inserted with the agent's name (got "${canned}")`);
  await pane.locator('.composer-input').press('Enter');
  await visitor.locator('.cr-theirs .cr-bubble', { hasText: canned }).waitFor();

  // an agent message that looks like markup is text at the visitor too
  await pane.locator('.composer-input').fill(PAYLOAD);
  await pane.locator('.composer-input').press('Enter');
  await visitor.locator('.cr-theirs .cr-bubble', { hasText: PAYLOAD }).waitFor();

  // ------------------------------------------------------------------ tags
  await pane.locator('.tag-input').fill('double-charge');
  await pane.locator('.tag-input').press('Enter');
  await pane.getByRole('button', { name: 'Save tags' }).click();
  await waitText(pane.locator('.tag-actions [role="status"]'), 'Saved', 'tags saved');
  await shot(agent, '07-agent-chat.png');

  // ------------------------------------------------------------------ a second window signed in afresh knows the presence and load at once
  // (session-service tells a new socket what routing-service has: presence AVAILABLE and 1 chat; this tab chose nothing)
  const freshContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', reducedMotion: 'reduce' });
  freshContext.setDefaultTimeout(WAIT);
  const fresh = await freshContext.newPage();
  watch(fresh, 'fresh window');
  await fresh.goto(`${BASE}/agent/#token=${encodeURIComponent(AGENT_TOKEN)}`);
  await waitText(fresh.locator('#conn'), 'Connected', 'fresh window socket');
  await fresh.locator('[data-status="AVAILABLE"][aria-checked="true"]').waitFor();
  await waitText(fresh.locator('#capacity-text'), /^1 \/ 4$/, 'capacity in the fresh window');
  await fresh.locator('.tab', { hasText: PAYLOAD }).waitFor(); // and its chat
  await shot(fresh, '07b-agent-fresh-window.png');
  await freshContext.close();
  await agent.locator('[data-status="AVAILABLE"][aria-checked="true"]').waitFor(); // the first window still is

  // ------------------------------------------------------------------ a reload resumes the chat (token and seq in sessionStorage)
  const network = { down: false, sockets: [], refused: 0, hold: false, held: [] };
  await visitor.routeWebSocket(/\/ws\/visitor\//, (ws) => {
    if (network.down) {
      network.refused++;
      ws.close({ code: 4001, reason: 'no connection (test)' });
      return;
    }
    network.sockets.push(ws);
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      if (network.hold && typeof m === 'string' && m.startsWith('{"type":"message"')) {
        network.held.push(() => server.send(m));
        return;
      }
      server.send(m);
    });
  });
  await visitor.reload();
  await visitor.locator('.cr-panel').waitFor({ state: 'visible' });
  await visitor.locator('.cr-theirs .cr-bubble', { hasText: canned }).waitFor();
  await pane.locator('.composer-input').fill('Are you still there after the reload?');
  await pane.locator('.composer-input').press('Enter');
  await visitor.locator('.cr-theirs .cr-bubble', { hasText: 'still there after the reload' }).waitFor();
  await visitor.locator('#cr-composer').fill('Yes, thank you!');
  await visitor.locator('#cr-composer').press('Enter');
  await pane.locator('.msg-visitor .bubble', { hasText: 'Yes, thank you!' }).waitFor();

  // ------------------------------------------------------------------ the connection drops: pending messages wait, the widget reconnects
  // (the visitor's sockets pass through a route from the reload on, so the test can cut them and refuse new ones)
  await visitor.locator('.cr-status').waitFor({ state: 'hidden' });
  network.down = true;
  for (const ws of network.sockets) {
    ws.close({ code: 4000, reason: 'connection lost (test)' });
  }
  await waitText(visitor.locator('.cr-status'), 'Reconnecting', 'reconnecting banner');
  await visitor.locator('#cr-composer').fill('Typed while my connection was down');
  await visitor.locator('#cr-composer').press('Enter');
  await visitor.locator('.cr-pending .cr-receipt[data-state="pending"]').waitFor();
  await pane.locator('.composer-input').fill('Sent while your connection was down');
  await pane.locator('.composer-input').press('Enter');
  await pane.locator('.msg-agent .receipt[data-state="sent"]').last().waitFor();
  await shot(visitor, '08a-widget-reconnecting.png');
  // the widget tries again (and is refused) before the connection comes back: its retry back-off may be longer than
  // the steps above took on a fast machine
  for (const deadline = Date.now() + 20000; network.refused === 0 && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 100));
  }
  network.down = false;
  await visitor.locator('.cr-theirs .cr-bubble', { hasText: 'while your connection was down' }).waitFor();
  await pane.locator('.msg-visitor .bubble', { hasText: 'Typed while my connection was down' }).waitFor();
  await visitor.locator('.cr-status').waitFor({ state: 'hidden' });
  check(network.refused > 0, 'reconnect attempts were refused while the connection was down');
  check(await pane.locator('.msg-visitor .bubble', { hasText: 'Typed while my connection was down' }).count() === 1,
    'the message typed while the connection was down reached the agent once');
  // the desk's connection drops: it reconnects, is told its chat again and resumes it from what it has
  agentNet.down = true;
  for (const ws of agentNet.sockets) {
    ws.close({ code: 4000, reason: 'connection lost (test)' });
  }
  await waitText(agent.locator('#conn'), /Disconnected|Reconnecting/, 'desk disconnected');
  await visitor.locator('#cr-composer').fill('Sent while the agent was disconnected');
  await visitor.locator('#cr-composer').press('Enter');
  await visitor.locator('.cr-mine .cr-receipt[data-state="sent"]').last().waitFor();
  agentNet.down = false;
  await waitText(agent.locator('#conn'), 'Connected', 'desk reconnected');
  await pane.locator('.msg-visitor .bubble', { hasText: 'while the agent was disconnected' }).waitFor();
  await agent.locator('[data-status="AVAILABLE"][aria-checked="true"]').waitFor(); // the chosen presence, sent again
  const atAgent = await pane.locator('.log [data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
  check(atAgent.length === new Set(atAgent).size, `no message twice at the agent after the reconnect: ${atAgent}`);
  check(atAgent.every((v, i) => i === 0 || v > atAgent[i - 1]), `messages in seq order at the agent: ${atAgent}`);

  const atVisitor = await visitor.locator('.cr-log [data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
  check(atVisitor.length === new Set(atVisitor).size, `no message twice at the visitor after the reload: ${atVisitor}`);
  check(atVisitor.every((s, i) => i === 0 || s > atVisitor[i - 1]), `messages in seq order at the visitor: ${atVisitor}`);
  await shot(visitor, '08b-widget-conversation.png');

  // ------------------------------------------------------------------ transfer to a second agent (another browser context)
  const secondContext = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB', reducedMotion: 'reduce' });
  secondContext.setDefaultTimeout(WAIT);
  const second = await secondContext.newPage();
  watch(second, 'second agent');
  // its socket passes through a route, so the test can answer a frame busy
  const secondNet = { busyNext: null, busied: [] };
  await second.routeWebSocket(/\/ws\/agent/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      if (!answeredBusy(secondNet, ws, m)) {
        server.send(m);
      }
    });
  });
  await second.goto(`${BASE}/agent/#token=${encodeURIComponent(SECOND_TOKEN)}`);
  await waitText(second.locator('#conn'), 'Connected', 'second desk socket');
  await second.locator('[data-status="AVAILABLE"]').click();
  await second.locator('[data-status="AVAILABLE"][aria-checked="true"]').waitFor();

  await pane.locator('.chat-actions').getByRole('button', { name: 'Transfer' }).click();
  await agent.locator('#transfer-dialog[open]').waitFor();
  await agent.locator('#transfer-form input[name="target"][value="agent"]').check();
  await waitText(agent.locator('#transfer-id-label'), 'Agent id', 'agent target');
  await agent.locator('#transfer-id').fill(SECOND_ID);
  await agent.locator('#transfer-note').fill(TRANSFER_NOTE);
  await shot(agent, '09-agent-transfer-dialog.png');
  await agent.locator('#transfer-form button[type="submit"]').click();
  await agent.locator('#transfer-dialog[open]').waitFor({ state: 'detached' });

  // the first desk loses the chat, with a notice
  await waitText(agent.locator('.toast', { hasText: 'was transferred' }), `was transferred to agent ${SECOND_ID}`, 'transfer notice');
  await agent.locator('.tab', { hasText: PAYLOAD }).waitFor({ state: 'detached' });
  await waitText(agent.locator('#capacity-text'), /^0 \/ \d+$/, "the first desk's load after the transfer");
  await shot(agent, '09a-agent-transferred-away.png');

  // the second desk is offered it with the note, accepts and gets the whole conversation
  const handed = second.locator('.offer', { hasText: PAYLOAD });
  await handed.waitFor();
  await waitText(handed.locator('.offer-transfer .handover-title'), `Transferred by ${AGENT_ID}`, 'who transferred it');
  check(await handed.locator('.offer-transfer .handover-note').textContent() === TRANSFER_NOTE, 'the note, as text, in the offer');
  await shot(second, '09b-second-agent-offer.png');
  await handed.getByRole('button', { name: 'Accept' }).click();
  const pane2 = second.locator('.pane:not([hidden])');
  await waitText(pane2.locator('.chat-title'), PAYLOAD, 'the transferred chat at the second desk');
  check(await pane2.locator('.handover .handover-note').textContent() === TRANSFER_NOTE, 'the note above the conversation');
  await pane2.locator('.msg-visitor .bubble', { hasText: VISITOR_QUESTION }).waitFor();
  await pane2.locator('.msg-visitor .bubble', { hasText: 'while the agent was disconnected' }).waitFor();
  await pane2.locator('.msg-agent .bubble', { hasText: canned }).waitFor();
  await pane2.locator('.msg-agent .bubble', { hasText: 'Sent while your connection was down' }).waitFor();
  // the widget shows the new agent; the first agent's messages keep their name
  await waitText(visitor.locator('.cr-header-title'), SECOND_NAME, 'the new agent in the widget');
  await waitText(visitor.locator('.cr-system').last(), `You are now chatting with ${SECOND_NAME}.`, 'transferred line');
  await pane2.locator('.composer-input').fill(SECOND_REPLY);
  await pane2.locator('.composer-input').press('Enter');
  const reply = visitor.locator('.cr-theirs', { hasText: SECOND_REPLY });
  await reply.waitFor();
  check(await reply.locator('.cr-who').textContent() === SECOND_NAME, "the new agent's message under its name");
  const firstAgentsLine = visitor.locator('.cr-theirs', { hasText: 'Sent while your connection was down' });
  check(await firstAgentsLine.getAttribute('data-named') === 'yes', "the first agent's messages keep their name");
  await pane2.locator('.msg-agent .receipt[data-state="read"]').last().waitFor();
  // the whole conversation at the second desk: every seq the visitor has
  const seqsAt = async (page, selector) => (await page.locator(selector).evaluateAll((els) => els.map((e) => Number(e.dataset.seq))))
    .sort((x, y) => x - y).join(',');
  await until(async () => await seqsAt(second, '.pane:not([hidden]) .log [data-seq]') === await seqsAt(visitor, '.cr-log [data-seq]'),
    async () => `the second desk has the whole conversation: ${await seqsAt(second, '.pane:not([hidden]) .log [data-seq]')} `
      + `vs the visitor's ${await seqsAt(visitor, '.cr-log [data-seq]')}`);
  await shot(second, '09c-second-agent-chat.png');
  await shot(visitor, '09d-widget-transferred.png');

  // ------------------------------------------------------------------ close, survey
  // a last message of the visitor's crosses the agent's close (held on the way until the chat closed): session-service
  // refuses it with an error naming it, and the widget shows that one message as not sent
  const CROSSED = 'One more thing, sent as you closed';
  network.hold = true;
  await visitor.locator('#cr-composer').fill(CROSSED);
  await visitor.locator('#cr-composer').press('Enter');
  await until(async () => network.held.length === 1, 'the crossing message held on the way');
  // the close is first answered busy (played on the way): the desk asks again
  busy(secondNet, 'close');
  await pane2.locator('.chat-actions').getByRole('button', { name: 'Close chat' }).click();
  await pane2.locator('.closed-bar').getByRole('button', { name: 'Close chat' }).click();
  await waitText(pane2.locator('.closed-bar'), 'This chat is closed', 'closed at the second agent');
  check(secondNet.busied.length === 1, 'the close answered busy, then sent again');
  await visitor.getByText('How did we do?').waitFor();
  network.hold = false;
  network.held.splice(0).forEach((release) => release());
  await waitText(visitor.locator('.cr-refused .cr-receipt[data-state="refused"]'), 'Not sent: the chat had ended', 'the crossing message refused');
  check(await visitor.locator('.cr-pending').count() === 0, 'no message left pending after the refusal');
  check(await pane2.locator('.bubble', { hasText: CROSSED }).count() === 0, 'the refused message never reached the agent');
  await visitor.locator('.cr-refused').scrollIntoViewIfNeeded();
  await shot(visitor, '10a-widget-message-refused-at-close.png');
  // a reload keeps it, as not sent, and the survey
  await visitor.reload();
  await visitor.locator('.cr-panel').waitFor({ state: 'visible' });
  await waitText(visitor.locator('.cr-refused .cr-receipt'), 'Not sent: the chat had ended', 'the refused message after a reload');
  check(await visitor.locator('.cr-refused .cr-bubble').textContent() === CROSSED, 'its text after a reload');
  await visitor.getByText('How did we do?').waitFor();
  await shot(visitor, '10-widget-survey.png');
  await visitor.locator('label[for="cr-csat-5"]').click();
  await visitor.locator('label[for="cr-ces-4"]').click();
  await visitor.getByLabel('Comment (optional)').fill('Quick and friendly ' + PAYLOAD);
  await visitor.getByRole('button', { name: 'Send feedback' }).click();
  await visitor.getByText('Thank you for your feedback!').waitFor();
  await shot(visitor, '11-widget-thanks.png');
  await shot(second, '12-agent-closed.png');
  // the second agent steps away: the next chat goes to the first
  await second.locator('[data-status="AWAY"]').click();
  await second.locator('[data-status="AWAY"][aria-checked="true"]').waitFor();

  // ------------------------------------------------------------------ the widget on a site of another origin
  // (the API answers its CORS preflights, the visitor socket accepts its Origin: it is one of the widget origins)
  const site = createServer((req, res) => {
    res.writeHead(req.url === '/' ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(req.url !== '/' ? 'not found' : `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Northwind Books</title></head>
      <body><h1>Northwind Books</h1><p>A second shop, on its own origin, with the same one-line embed.</p>
      <script src="${BASE}/widget.js" data-form="default" data-title="Northwind Books" data-color="#0f766e" defer></script></body></html>`);
  });
  await new Promise((resolve, reject) => site.listen(OTHER_SITE_PORT, '127.0.0.1', resolve).on('error', reject));
  try {
    const otherContext = await browser.newContext({ viewport: { width: 1280, height: 820 }, locale: 'en-GB', reducedMotion: 'reduce' });
    otherContext.setDefaultTimeout(WAIT);
    const other = await otherContext.newPage();
    watch(other, 'other site');
    // its socket passes through a route, so the test can answer a frame busy
    const otherNet = { busyNext: null, busied: [] };
    await other.routeWebSocket(/\/ws\/visitor\//, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => {
        if (!answeredBusy(otherNet, ws, m)) {
          server.send(m);
        }
      });
    });
    await other.goto(`http://127.0.0.1:${OTHER_SITE_PORT}/`);
    check(new URL(other.url()).origin !== new URL(BASE).origin, 'the other site is another origin');
    await other.locator('.cr-launcher').click();
    await other.getByLabel('Your name').fill('Olga Other');
    await other.getByLabel('Topic').selectOption('delivery');
    await other.getByLabel('Your question').fill('Where is my parcel?');
    await other.getByRole('button', { name: 'Start chat' }).click();
    const offer2 = agent.locator('.offer', { hasText: 'Olga Other' });
    await offer2.waitFor();
    await offer2.getByRole('button', { name: 'Accept' }).click();
    await waitText(other.locator('.cr-header-title'), AGENT_NAME, 'agent name on the other site');
    const pane2 = agent.locator('.pane:not([hidden])');
    await waitText(pane2.locator('.chat-title'), 'Olga Other', 'second chat selected');
    await other.locator('#cr-composer').fill('The order number is 4711');
    await other.locator('#cr-composer').press('Enter');
    await pane2.locator('.msg-visitor .bubble', { hasText: 'order number is 4711' }).waitFor();
    // three messages refused at once (busy, played on the way) are one refusal: the widget sends the three again
    // together after the first range's delay (0.75-1.5 s), not after a delay grown once per message (3-6 s)
    busy(otherNet, 'message', 3);
    const together = ['First of three', 'Second of three', 'Third of three'];
    for (const text of together) {
      await other.locator('#cr-composer').fill(text);
      await other.locator('#cr-composer').press('Enter');
    }
    for (const text of together) {
      await pane2.locator('.msg-visitor .bubble', { hasText: text }).waitFor();
    }
    check(otherNet.busied.length === 3, `the three messages answered busy (${otherNet.busied.length})`);
    check(otherNet.sentAt.length === 6, `each of the three sent again once (${otherNet.sentAt.length} frames)`);
    const widgetWait = otherNet.sentAt[3] - otherNet.sentAt[2];
    const widgetRound = otherNet.sentAt[5] - otherNet.sentAt[3];
    log(`three messages answered busy at once; the widget sent them again after ${widgetWait} ms, within ${widgetRound} ms`);
    check(widgetWait <= 1600 && widgetRound <= 300, `the three sent again in one round after the first range (waited ${widgetWait} ms, `
      + `round ${widgetRound} ms)`);
    // three replies refused at once, and their resend refused twice more: the desk sends the three again once per
    // round (not once per refusal), the delay grown once per round (0.75-1.5 s, 1.5-3 s, then 3-6 s)
    busy(agentNet, 'message', 9);
    const replies = ['One moment', 'I am looking it up', 'Found it'];
    for (const text of replies) {
      await pane2.locator('.composer-input').fill(text);
      await pane2.locator('.composer-input').press('Enter');
    }
    for (const text of replies) {
      await other.locator('.cr-theirs .cr-bubble', { hasText: text }).waitFor({ timeout: 30000 });
    }
    check(agentNet.busied.length === 9, `three rounds answered busy (${agentNet.busied.length})`);
    check(agentNet.sentAt.length === 12, `the three replies sent four times each, no more (${agentNet.sentAt.length} frames)`);
    const rounds = [0, 3, 6, 9].map((i) => agentNet.sentAt.slice(i, i + 3));
    const deskWaits = rounds.slice(1).map((r, i) => r[0] - rounds[i][2]);
    log(`three replies answered busy three rounds in a row; the desk's waits before each round ${deskWaits.join(', ')} ms`);
    check(rounds.every((r) => r[2] - r[0] <= 300), 'each round sends the three together');
    check(deskWaits[0] >= 500 && deskWaits[1] >= 1400 && deskWaits[2] >= 2900, `the delay grew once per round, each round waiting `
      + `its range from its own refusal (waits ${deskWaits.join(', ')} ms)`);
    await pane2.locator('.composer-input').fill('It left the warehouse today, you will have it tomorrow.');
    await pane2.locator('.composer-input').press('Enter');
    await other.locator('.cr-theirs .cr-bubble', { hasText: 'left the warehouse' }).waitFor();
    await shot(other, '13-widget-other-site.png');
    // the agent's reply crosses the visitor's end of the chat (held on the way until the chat closed): refused, and
    // the desk marks that reply as not sent and says why
    const CROSSING_REPLY = 'Anything else I can do for you?';
    agentNet.hold = true;
    await pane2.locator('.composer-input').fill(CROSSING_REPLY);
    await pane2.locator('.composer-input').press('Enter');
    await until(async () => agentNet.held.length === 1, 'the crossing reply held on the way');
    // and the visitor's end of the chat is first answered busy (played on the way): the widget asks again
    busy(otherNet, 'close');
    await other.locator('.cr-end-button').click();
    await other.locator('.cr-confirm .cr-danger').click();
    await other.getByText('How did we do?').waitFor();
    check(otherNet.busied.length === 1, 'the close answered busy, then sent again');
    await waitText(pane2.locator('.closed-bar'), 'This chat is closed', 'the visitor ended it, at the desk');
    agentNet.hold = false;
    agentNet.held.splice(0).forEach((release) => release());
    await waitText(pane2.locator('.msg.refused .receipt[data-state="refused"]'), 'Not sent', 'the crossing reply refused');
    check(await pane2.locator('.msg.refused .bubble').textContent() === CROSSING_REPLY, 'the refused reply stays on screen');
    check(await other.locator('.cr-bubble', { hasText: CROSSING_REPLY }).count() === 0, 'the refused reply never reached the visitor');
    await waitText(agent.locator('.toast', { hasText: 'not sent' }), 'Your reply was not sent: the chat is closed.', 'why the reply was refused');
    await shot(agent, '13a-agent-reply-refused-at-close.png');
    await otherContext.close();
  } finally {
    site.close();
  }

  // ------------------------------------------------------------------ a chat that ends while the desk is disconnected
  // (the visitor writes once more and leaves meanwhile): back online, the desk shows what it missed, then the end
  const leavingContext = await browser.newContext({ viewport: { width: 1280, height: 820 }, locale: 'en-GB', reducedMotion: 'reduce' });
  leavingContext.setDefaultTimeout(WAIT);
  const leaving = await leavingContext.newPage();
  watch(leaving, 'leaving visitor');
  await leaving.goto(`${BASE}/demo/`);
  await leaving.locator('.cr-launcher').click();
  await leaving.getByLabel('Your name').fill('Lena Leaving');
  await leaving.getByLabel('Topic').selectOption('delivery');
  await leaving.getByLabel('Your question').fill('Has my parcel left the warehouse?');
  await leaving.getByRole('button', { name: 'Start chat' }).click();
  const offer3 = agent.locator('.offer', { hasText: 'Lena Leaving' });
  await offer3.waitFor();
  await offer3.getByRole('button', { name: 'Accept' }).click();
  await waitText(leaving.locator('.cr-header-title'), AGENT_NAME, 'the agent joined the leaving visitor');
  const pane3 = agent.locator('.pane:not([hidden])');
  await waitText(pane3.locator('.chat-title'), 'Lena Leaving', 'the third chat selected');
  agentNet.down = true;
  for (const ws of agentNet.sockets) {
    ws.close({ code: 4000, reason: 'connection lost (test)' });
  }
  await waitText(agent.locator('#conn'), /Disconnected|Reconnecting/, 'desk disconnected again');
  await leaving.locator('#cr-composer').fill('Never mind, it has just arrived');
  await leaving.locator('#cr-composer').press('Enter');
  await leaving.locator('.cr-mine .cr-receipt[data-state="sent"]').last().waitFor();
  await leaving.locator('.cr-end-button').click();
  await leaving.locator('.cr-confirm .cr-danger').click();
  await leaving.getByText('How did we do?').waitFor();
  agentNet.down = false;
  await waitText(agent.locator('#conn'), 'Connected', 'desk reconnected after the chat ended');
  await pane3.locator('.msg-visitor .bubble', { hasText: 'it has just arrived' }).waitFor();
  await waitText(pane3.locator('.closed-bar'), 'This chat is closed', 'the end, told after the reconnect');
  await shot(agent, '13b-agent-missed-end.png');
  await leavingContext.close();

  // ------------------------------------------------------------------ out of hours: the widget offers to leave a message
  // (routing-service's hours are real; here the widget's configuration is answered as if every queue were closed,
  // to see how the widget shows it without closing the shop's queue for the other tests)
  const lateContext = await browser.newContext({ viewport: { width: 1280, height: 820 }, locale: 'en-GB', reducedMotion: 'reduce' });
  lateContext.setDefaultTimeout(WAIT);
  const opensAt = new Date(Date.now() + 16 * 3600_000);
  opensAt.setUTCMinutes(0, 0, 0);
  await lateContext.route(/\/api\/v1\/widget\/config/, async (route) => {
    const real = await route.fetch();
    const config = await real.json();
    config.open = false;
    config.nextOpenAt = opensAt.toISOString();
    config.hours = [{ queueId: 'browser-shop', name: 'Shop support', alwaysOpen: false, timezone: 'Europe/Berlin',
      weekly: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], from: '09:00', to: '18:00' }, { days: ['SAT'], from: '10:00', to: '14:00' }],
      open: false, nextOpenAt: opensAt.toISOString() }];
    await route.fulfill({ response: real, json: config });
  });
  const late = await lateContext.newPage();
  watch(late, 'late visitor');
  await late.goto(`${BASE}/demo/`);
  await late.locator('.cr-launcher').click();
  await waitText(late.locator('.cr-offline-title'), 'We are offline right now', 'offline notice');
  await late.getByText('Opening hours').click();
  await waitText(late.locator('.cr-hours li'), 'Mon–Fri 09:00–18:00; Sat 10:00–14:00 (Europe/Berlin)', 'opening hours');
  await late.getByRole('button', { name: 'Leave a message' }).waitFor();
  check(await late.locator('.cr-launcher-dot').isHidden(), 'no "online" dot while closed');
  await shot(late, '14-widget-offline.png');
  await lateContext.close();

  // ------------------------------------------------------------------ the queue closes while the visitor waits
  // (the chat's socket and REST answers are played here, so no queue of the other tests closes: the server's frames
  // `queued` and `offline` as session-service sends them when routing tells chat.queued and chat.offline)
  const waitContext = await browser.newContext({ viewport: { width: 1280, height: 820 }, locale: 'en-GB', reducedMotion: 'reduce' });
  waitContext.setDefaultTimeout(WAIT);
  const waitingChat = { chatId: 'c-played-offline', visitorToken: 'played-token', status: 'QUEUED', position: 2, estimatedWaitSeconds: 120 };
  const reopensAt = new Date(Date.now() + 20 * 3600_000);
  reopensAt.setUTCMinutes(0, 0, 0);
  // the state the widget reads once its socket is open says 3 (one of them was answered). The play holds
  // each read until the test answers it, and sends first what session-service sends on a visitor socket's open when
  // it knows where the chat stands (here `queued`, marked `atOpen`)
  const heldReads = { hold: true, routes: [] };
  const stateAnswer = (route) => route.fulfill({
    status: route.request().method() === 'POST' ? 201 : 200, contentType: 'application/json',
    json: route.request().method() === 'POST' ? waitingChat : { ...waitingChat, position: 3, estimatedWaitSeconds: 180, queueId: 'browser-shop' },
  });
  await waitContext.route(/\/api\/v1\/chats(\/c-played-offline)?(\?.*)?$/, (route) => {
    if (heldReads.hold && route.request().method() === 'GET') {
      heldReads.routes.push(route);
      return;
    }
    return stateAnswer(route);
  });
  let playedSocket = null;
  await waitContext.routeWebSocket(/\/ws\/visitor\/c-played-offline/, (ws) => {
    playedSocket = ws;
    ws.onMessage(() => {}); // resume and the like: nothing to answer in this play
  });
  /** The socket's open as the server plays it, then the state read's answer: what the widget shows after both. */
  const answerRead = async (what) => {
    await until(() => heldReads.routes.length === 1, `${what}: the widget did not read its state after its socket opened`);
    await waiting.locator('.cr-status[aria-busy="true"]').waitFor({ state: 'attached' });
    await stateAnswer(heldReads.routes.pop());
    await waiting.locator('.cr-status:not([aria-busy])').waitFor({ state: 'attached' }); // the answer was handled
    return waiting.locator('.cr-status').textContent();
  };
  const waiting = await waitContext.newPage();
  watch(waiting, 'waiting visitor');
  await waiting.goto(`${BASE}/demo/`);
  await waiting.locator('.cr-launcher').click();
  await waiting.getByLabel('Your name').fill('Olga');
  await waiting.getByLabel('Topic').selectOption('delivery');
  await waiting.getByLabel('Your question').fill('Is my parcel on its way?');
  await waiting.getByRole('button', { name: 'Start chat' }).click();
  await until(() => playedSocket !== null, 'the widget opened no socket');
  // the open's account (4: two chats of higher priority came in since the 201's place, 2)
  playedSocket.send(JSON.stringify({ type: 'queued', position: 4, estimatedWaitSeconds: 240, atOpen: true }));
  await waitText(waiting.locator('.cr-status'), /You are number 4 in the queue/, 'the place told at the open');
  // the read made at the open is as new as the open's account: it is applied
  const read = await answerRead('first open');
  check(/You are number 3 in the queue/.test(read), `the state read after the socket's open was not applied: "${read}"`);
  playedSocket.send(JSON.stringify({ type: 'queued', position: 1, estimatedWaitSeconds: 60 }));
  await waitText(waiting.locator('.cr-status'), /You are number 1 in the queue/, 'the new place');
  playedSocket.send(JSON.stringify({ type: 'offline', nextOpenAt: reopensAt.toISOString() }));
  await waitText(waiting.locator('.cr-status'), /We are offline\. Your message is saved; we will reply when we open/, 'the queue closed');
  check(!(await waiting.locator('.cr-status').textContent()).includes('number'), 'no place in line is shown while the queue is closed');
  await shot(waiting, '14b-widget-queue-closed.png');
  playedSocket.send(JSON.stringify({ type: 'queued', position: 1, estimatedWaitSeconds: 30 }));
  await waitText(waiting.locator('.cr-status'), /You are number 1 in the queue/, 'the queue opened again');
  // the connection drops; the widget reconnects and reads the chat's state again, and a live frame overtakes that
  // read: the read's answer (3), which may be older than the frame, must not replace the frame's place (2)
  const dropped = playedSocket;
  playedSocket = null;
  await dropped.close({ code: 4002, reason: 'dropped (test)' });
  await until(() => playedSocket !== null, 'the widget did not reconnect');
  playedSocket.send(JSON.stringify({ type: 'queued', position: 1, estimatedWaitSeconds: 30, atOpen: true })); // the open's account
  playedSocket.send(JSON.stringify({ type: 'queued', position: 2, estimatedWaitSeconds: 90 })); // a change, live
  await waitText(waiting.locator('.cr-status'), /You are number 2 in the queue/, 'the live place after the reconnect');
  const after = await answerRead('reconnect');
  check(/You are number 2 in the queue/.test(after), `the older answer replaced the live place: "${after}"`);
  // again, but the server has no account to give at the open (a waiting chat whose place is not known yet): the
  // first frame is a live change, and the read it overtook is not applied either
  const droppedAgain = playedSocket;
  playedSocket = null;
  await droppedAgain.close({ code: 4002, reason: 'dropped (test)' });
  await until(() => playedSocket !== null, 'the widget did not reconnect a second time');
  playedSocket.send(JSON.stringify({ type: 'queued', position: 1, estimatedWaitSeconds: 20 })); // a change, live
  await waitText(waiting.locator('.cr-status'), /You are number 1 in the queue/, 'the live place after a reconnect without an account');
  const unaccounted = await answerRead('reconnect without an account');
  check(/You are number 1 in the queue/.test(unaccounted), `with no account at the open, the older answer replaced the live place: "${unaccounted}"`);
  // an agent takes the chat, then goes away: routing puts the chat back in line (`queued` while it was active)
  playedSocket.send(JSON.stringify({ type: 'agent.joined', agent: { id: 'played-agent', displayName: 'Mira Holt', title: 'Delivery desk', avatarUrl: null } }));
  await waitText(waiting.locator('.cr-header-title'), 'Mira Holt', 'the agent who joined');
  playedSocket.send(JSON.stringify({ type: 'queued', position: 1, estimatedWaitSeconds: 20 }));
  await waitText(waiting.locator('.cr-status'), /You are number 1 in the queue/, 'the place after the agent went away');
  await waiting.locator('.cr-system', { hasText: 'You are back in the queue' }).waitFor();
  const header = await waiting.locator('.cr-header-title').textContent();
  check(!header.includes('Mira Holt'), `the agent who went away is still shown: "${header}"`);
  await shot(waiting, '14c-widget-back-in-queue.png');
  // the visitor was away for longer than chatroute.visitor-gone.timeout: session-service closed the waiting chat
  // (reason visitor-left, VisitorGoneTest), and the widget's socket, when it comes back, is told so at its open
  const gone = playedSocket;
  playedSocket = null;
  await gone.close({ code: 4002, reason: 'dropped (test)' });
  await until(() => playedSocket !== null, 'the widget did not reconnect after the visitor was away');
  playedSocket.send(JSON.stringify({ type: 'closed', by: 'system', surveyRequested: false, reason: 'visitor-left', atOpen: true }));
  await waiting.locator('.cr-system', { hasText: 'This chat was closed while you were away' }).waitFor();
  await until(() => heldReads.routes.length === 1, 'the widget did not read its state after the visitor was away');
  await heldReads.routes.pop().fulfill({ status: 200, contentType: 'application/json',
    json: { ...waitingChat, status: 'CLOSED', closedBy: 'system', closeReason: 'visitor-left', queueId: 'browser-shop' } });
  const awayStatus = await waiting.locator('.cr-status').textContent();
  check(!awayStatus.includes('number'), `a place in line is still shown after the chat closed: "${awayStatus}"`);
  const endedLines = await waiting.locator('.cr-system', { hasText: 'closed while you were away' }).count();
  check(endedLines === 1, `the close was told ${endedLines} times, not once`);
  await shot(waiting, '14d-widget-closed-while-away.png');
  await waitContext.close();

  // ------------------------------------------------------------------ text stayed text everywhere
  for (const [who, page] of [['visitor', visitor], ['second agent', second]]) {
    const literal = await page.getByText(PAYLOAD, { exact: true }).count();
    check(literal >= 2, `${who}: the payload is visible as literal text (${literal} places)`);
  }
  for (const [who, page] of [['visitor', visitor], ['agent', agent], ['second agent', second]]) {
    const injected = await page.locator('img[src="x"], b').count();
    check(injected === 0, `${who}: ${injected} <img src=x> or <b> elements were created from text`);
  }
  check(dialogs.length === 0, `dialogs fired: ${dialogs.join('; ')}`);
  check(problems.length === 0, `page errors or policy violations: ${problems.join('; ')}`);
  log('done');
  console.log('BROWSER FLOW PASSED');
} catch (e) {
  console.error('BROWSER FLOW FAILED:', e && e.stack ? e.stack : e);
  for (const [i, ctx] of browser.contexts().entries()) {
    for (const [j, page] of ctx.pages().entries()) {
      await page.screenshot({ path: join(SHOTS, `failure-${i}-${j}.png`) }).catch(() => {});
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
