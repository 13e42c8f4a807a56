// A chat no queue can take, in a real browser: routing-service is down (BrowserIT killed it after leaving the form's
// topic "delivery" without a rule), the visitor starts a chat in the widget (accepted, place unknown), the script
// writes the chat id to STARTED_FILE, BrowserIT starts routing-service again, and the widget must then say that nobody
// could take the chat (closed {reason:"not-routed"}) instead of waiting for ever.
//   BASE_URL      session-service, e.g. http://127.0.0.1:8081
//   STARTED_FILE  where the chat id is written once the widget shows the chat
//   SCREENSHOTS   the directory for the screenshots
//   CHROMIUM      the browser (default /usr/bin/chromium)

import { chromium } from 'playwright-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === '') {
    throw new Error(`${name} is not set`);
  }
  return v;
};
const BASE = env('BASE_URL').replace(/\/$/, '');
const STARTED_FILE = env('STARTED_FILE');
const SHOTS = env('SCREENSHOTS');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const WAIT = 30_000;
const ROUTED_WAIT = 150_000; // routing-service's restart and its catching up
const NOT_ROUTED = 'Sorry, we could not find anyone to take this chat.';

mkdirSync(SHOTS, { recursive: true });
const started = Date.now();
const log = (...a) => console.log(`[not-routed ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s]`, ...a);
const problems = [];

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
  timeout: 60_000,
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, locale: 'en-GB', reducedMotion: 'reduce' });
  context.setDefaultTimeout(WAIT);
  const visitor = await context.newPage();
  visitor.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await visitor.goto(`${BASE}/demo/`);
  await visitor.locator('.cr-launcher').waitFor({ state: 'visible' });
  await visitor.locator('.cr-launcher').click();
  await visitor.getByLabel('Your name').fill('Nora');
  await visitor.getByLabel('Topic').selectOption('delivery');
  await visitor.getByLabel('Your question').fill('Where is my parcel?');
  await visitor.getByRole('button', { name: 'Start chat' }).click();
  await visitor.locator('#cr-composer').waitFor();
  const chatId = await visitor.evaluate(() => {
    const key = Object.keys(sessionStorage).find((k) => k.startsWith('chatroute:'));
    return key ? JSON.parse(sessionStorage.getItem(key)).chatId : null;
  });
  if (!chatId) {
    throw new Error('the widget keeps no chat in sessionStorage');
  }
  await visitor.screenshot({ path: join(SHOTS, '15-widget-routing-pending.png') });
  log('chat started while routing-service is down:', chatId);
  writeFileSync(STARTED_FILE, chatId);

  const line = visitor.locator('.cr-msg.cr-system', { hasText: NOT_ROUTED });
  await line.waitFor({ state: 'visible', timeout: ROUTED_WAIT });
  log('the widget says nobody could take the chat');
  // the composer is gone and a new chat can be started
  await visitor.getByRole('button', { name: 'Start a new chat' }).waitFor({ state: 'visible' });
  if (await visitor.locator('#cr-composer').isVisible()) {
    throw new Error('the composer is still shown after the close');
  }
  await visitor.screenshot({ path: join(SHOTS, '16-widget-not-routed.png') });
  if (problems.length) {
    throw new Error(problems.join('; '));
  }
  console.log('NOT ROUTED FLOW PASSED');
} catch (e) {
  console.error('NOT ROUTED FLOW FAILED:', e && e.stack ? e.stack : e);
  for (const ctx of browser.contexts()) {
    for (const [j, page] of ctx.pages().entries()) {
      await page.screenshot({ path: join(SHOTS, `failure-not-routed-${j}.png`) }).catch(() => {});
    }
  }
  process.exitCode = 1;
} finally {
  await browser.close();
}
