// Drives code-server in Debian chromium as a Go developer would: open cmd/api/main.go, see the warning on
// `import "net/http"`, read it in the Problems panel and the hover, apply the netgo quick fix, and check
// the squiggle and the language status item. Each step is one check; screenshots go to $OUT.
// A failed step does not stop later independent steps, but a step whose precondition failed is failed too.
'use strict';
const { chromium } = require(process.env.PW);
const fs = require('fs');
const os = require('os');
const path = require('path');

const URL_ = process.env.URL;
const WS = process.env.WS;
const OUT = process.env.OUT;
const FILE = 'cmd/api/main.go';
const results = [];
let page;

const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);

async function shot(name) {
  await page.screenshot({ path: path.join(OUT, `${name}.png`) }).catch(() => {});
}

async function check(name, fn) {
  try {
    const detail = await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${secs()}s)${detail ? `: ${detail}` : ''}`);
    return true;
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name} (${secs()}s): ${String(e && e.message).split('\n')[0]}`);
    await shot(`fail-${name.replace(/\W+/g, '-')}`);
    return false;
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** The editor line whose text contains `needle`, as a locator. */
function line(needle) {
  return page.locator('.monaco-editor .view-line', { hasText: needle }).first();
}

/** Text of the language status popup (hover on the `{}` status bar entry). */
async function languageStatusText() {
  const entry = page.locator('[id="status.languageStatus"]').first();
  await entry.waitFor({ timeout: 10000 });
  await entry.hover();
  const hover = page.locator('.monaco-hover, .context-view .hover-contents, .workbench-hover', { hasText: /link/i }).last();
  await hover.waitFor({ timeout: 10000 });
  return (await hover.innerText()).replace(/\s+/g, ' ').trim();
}

async function closeHover() {
  await page.keyboard.press('Escape');
  await page.mouse.move(5, 400);
  await page.waitForTimeout(300);
}

(async () => {
  const ctx = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'chrome-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 850 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  page = ctx.pages()[0] || (await ctx.newPage());

  const opened = await check('open cmd/api/main.go', async () => {
    await page.goto(URL_);
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 30000 });
    // Quick Open is independent of the explorer's expansion state.
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget input', { timeout: 10000 });
    await page.keyboard.type(FILE);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'main.go' }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Enter');
    await line('net/http').waitFor({ timeout: 20000 });
  });

  const squiggle = opened && await check('warning squiggle on the net/http import', async () => {
    const sq = page.locator('.monaco-editor .squiggly-warning').first();
    await sq.waitFor({ timeout: 60000 });
    const s = await sq.boundingBox();
    const l = await line('"net/http"').boundingBox();
    assert(s && l && Math.abs(s.y + s.height / 2 - (l.y + l.height / 2)) < l.height, `squiggle at y=${s && s.y}, import line at y=${l && l.y}`);
    await shot('1-warning-squiggle');
    return `on the line at y=${Math.round(l.y)}`;
  });

  await check('language status item: dynamic (before the fix)', async () => {
    assert(opened, 'editor not open');
    let text = '';
    // The item refreshes after the first analysis; give it a few seconds.
    for (let i = 0; i < 10 && !/dynamic/i.test(text); i++) {
      text = await languageStatusText().catch((e) => `(${e.message})`);
      if (!/dynamic/i.test(text)) { await closeHover(); await page.waitForTimeout(1000); }
    }
    await shot('2-language-status-dynamic');
    await closeHover();
    assert(/dynamic/i.test(text), `status popup: ${text}`);
    return text.slice(0, 160);
  });

  await check('Problems panel lists the linklens warning', async () => {
    assert(squiggle, 'no squiggle');
    await page.keyboard.press('Control+Shift+M');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'net/http' }).first();
    await row.waitFor({ timeout: 15000 });
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    await shot('3-problems-panel');
    assert(/dynamically linked/.test(text), `row text: ${text}`);
    assert(/linklens/.test(text), `no source in: ${text}`);
    return text.slice(0, 200);
  });

  await check('hover on the import shows the verdict', async () => {
    assert(squiggle, 'no squiggle');
    const token = line('"net/http"').locator('span span', { hasText: 'net/http' }).first();
    const b = await token.boundingBox();
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    const hover = page.locator('.monaco-hover', { hasText: /dynamic/i }).first();
    await hover.waitFor({ timeout: 15000 });
    const text = (await hover.innerText()).replace(/\s+/g, ' ');
    await shot('4-hover');
    assert(/dynamic/i.test(text), text);
    await closeHover();
    return text.slice(0, 200);
  });

  const fixed = squiggle && await check('quick fix "-tags netgo" applies', async () => {
    // Put the cursor in the import and ask for code actions, as with Ctrl+. in desktop VS Code.
    const token = line('"net/http"').locator('span span', { hasText: 'net/http' }).first();
    await token.click();
    await page.keyboard.press('Control+.');
    const action = page.locator('.action-widget .monaco-list-row', { hasText: /netgo/ }).first();
    await action.waitFor({ timeout: 15000 });
    await shot('5-quick-fix-menu');
    const label = (await action.innerText()).trim();
    await action.click();
    return label;
  });

  await check('squiggle disappears after the fix', async () => {
    assert(fixed, 'quick fix not applied');
    await page.waitForFunction(() => document.querySelectorAll('.monaco-editor .squiggly-warning').length === 0, null, { timeout: 45000 });
    await shot('6-after-fix');
    const settings = path.join(WS, '.vscode', 'settings.json');
    const txt = fs.existsSync(settings) ? fs.readFileSync(settings, 'utf8') : '';
    assert(/netgo/.test(txt), `.vscode/settings.json has no netgo: ${txt}`);
    return `.vscode/settings.json: ${txt.replace(/\s+/g, ' ').trim()}`;
  });

  await check('language status item: static (after the fix)', async () => {
    assert(fixed, 'quick fix not applied');
    // Focus the editor again so the item belongs to main.go.
    await line('package main').click();
    let text = '';
    for (let i = 0; i < 10 && !/static/i.test(text); i++) {
      text = await languageStatusText().catch((e) => `(${e.message})`);
      if (!/static/i.test(text)) { await closeHover(); await page.waitForTimeout(1000); }
    }
    await shot('7-language-status-static');
    await closeHover();
    assert(/static/i.test(text) && !/dynamic/i.test(text), `status popup: ${text}`);
    return text.slice(0, 160);
  });

  await check('code lens opens the explanation preview', async () => {
    assert(opened, 'editor not open');
    const lens = page.locator('.monaco-editor .codelens-decoration a').first();
    await lens.waitFor({ timeout: 15000 });
    const lensText = (await lens.innerText()).trim();
    await lens.click();
    const tab = page.locator('.tabs-container .tab', { hasText: /linking/ }).first();
    await tab.waitFor({ timeout: 15000 });
    await page.waitForTimeout(1500); // let the webview paint
    await shot('8-explanation-preview');
    return `lens "${lensText}", tab "${(await tab.innerText()).trim()}"`;
  });

  await ctx.close();
})()
  .catch(async (e) => {
    results.push({ name: 'driver', ok: false });
    console.log(`FAIL driver: ${e && e.message}`);
    if (page) await shot('fail-driver');
  })
  .finally(() => {
    const passed = results.filter((r) => r.ok).length;
    const failed = results.length - passed;
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  });
