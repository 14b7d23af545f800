// GraphiQL in a real headless browser, with no way to the internet: the page loads from the
// server alone, a query typed into its editor runs, and the answer shows the demo's cities.
// Saves a screenshot and prints its path.
// Usage: node graphiql-browser.mjs http://127.0.0.1:PORT/graphql SCREENSHOT.png
import { chromium } from 'playwright-core';

const [url, screenshot] = process.argv.slice(2);
if (!url || !screenshot) {
  console.error('usage: node graphiql-browser.mjs <graphql URL> <screenshot.png>');
  process.exit(2);
}
const origin = new URL(url).origin;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
let failed = null;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // Offline but for this server: any request elsewhere (a CDN) is refused and reported.
  const elsewhere = [];
  await page.route('**/*', (route) => {
    const target = route.request().url();
    if (target.startsWith(origin)) return route.continue();
    elsewhere.push(target);
    return route.abort();
  });
  const consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));

  await page.goto(url, { waitUntil: 'load' });
  const editor = page.locator('.graphiql-query-editor .CodeMirror').first();
  await editor.waitFor({ timeout: 30_000 });
  // Type the query as a user would: replace the editor's text. insertText does not trigger
  // the editor's bracket auto-closing, so the text typed is the text run.
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText('{ cities { code name } }');
  await page.locator('.graphiql-execute-button').click();
  const response = page.locator('.graphiql-response');
  await response.getByText('太原市').first().waitFor({ timeout: 30_000 });
  const text = await response.innerText();
  if (!text.includes('"140100"')) throw new Error(`unexpected answer: ${text.slice(0, 300)}`);
  if (elsewhere.length > 0) throw new Error(`the page asked for other hosts: ${elsewhere.join(', ')}`);
  if (consoleErrors.length > 0) throw new Error(`console errors: ${consoleErrors.join(' | ')}`);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`graphiql-browser: a typed query returned the cities; screenshot: ${screenshot}`);
} catch (err) {
  failed = err;
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages[0]) await pages[0].screenshot({ path: screenshot, fullPage: true });
    console.log(`graphiql-browser: screenshot of the failure: ${screenshot}`);
  } catch {}
} finally {
  await browser.close();
}
if (failed) {
  console.error(`graphiql-browser FAILED: ${failed.message}`);
  process.exit(1);
}
