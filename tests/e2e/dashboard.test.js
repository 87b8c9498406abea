// The worker's dashboard in a real browser: headless Chromium from Debian's `chromium` package
// (installed by `make deps`), driven by puppeteer-core, which uses that browser and downloads
// none. A dev chain with Alice validating and Bob hosting; Bob's dashboard loads with no console
// error, follows the chain live (no reload) as the epoch advances, shows Bob's accepted epoch
// with its reward, and a screenshot is kept in tests/artifacts/ (SPRINT_ARTIFACTS elsewhere).
// Its page weight and update latency are printed.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { startNode, stopAll, waitFor } from './lib/node.js';
import { startWorker, stopWorkers } from './lib/worker.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = process.env.SPRINT_ARTIFACTS ?? new URL('../artifacts', import.meta.url).pathname;

describe('the worker\'s dashboard in headless Chromium', () => {
  let node;
  let browser;
  const workers = {};

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: \`make deps\` installs Debian's chromium (or set CHROMIUM)`);
    node = await startNode({ name: 'dashboard', args: ['--dev', '--tmp', '--dev-block-time', '500'] });
    workers.alice = await startWorker({ node, name: 'Alice', args: ['--validator-only', '--dev-secret', 'Alice'] });
    workers.bob = await startWorker({ node, name: 'Bob' });
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // As root (CI containers) Chromium refuses its sandbox.
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await stopWorkers();
    await stopAll();
    for (const w of Object.values(workers)) w.cleanup();
  });

  test('loads without errors, follows the chain live, shows an accepted epoch', async () => {
    const url = `http://127.0.0.1:${workers.bob.metricsPort}/dashboard`;
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 1000 });
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => { if (!r.url().endsWith('/dashboard/events')) problems.push(`request failed: ${r.url()}`); });
    let navigations = 0;
    page.on('framenavigated', () => { navigations += 1; });

    const response = await page.goto(url, { waitUntil: 'domcontentloaded' });
    assert.equal(response.status(), 200);
    const pageBytes = (await response.buffer()).length;

    const state = () => page.evaluate(() => ({ ...window.sprintDashboard, text: document.body.innerText }));
    await waitFor('the first update', async () => (await state()).updates > 0, { timeoutMs: 30_000 });
    const first = await state();
    assert.match(first.text, /Sprint host live/);
    await waitFor('the epoch to advance on the page', async () => {
      const now = await state();
      return now.epoch !== null && first.epoch !== null && now.epoch > first.epoch && /Accepted/.test(now.text);
    }, { timeoutMs: 150_000, intervalMs: 1_000 }).catch(async (e) => {
      throw new Error(`${e.message}\n${(await state()).text}\n${problems.join('\n')}`);
    });
    // Its accepted epoch mints a carbon certificate right after the tally (docs/protocol.md §9).
    await waitFor('a carbon certificate on the page', async () =>
      /^[1-9]\d* \(/.test(await page.$eval('#carbon', (e) => e.textContent)), { timeoutMs: 30_000 });
    const last = await state();
    assert.ok(last.updates > 10, `${last.updates} live updates`);
    assert.equal(navigations, 1, 'the page was never reloaded');
    assert.match(last.text, /Accepted/, 'Bob\'s accepted epoch is listed');
    assert.match(last.text, /\d+\.\d{3} SPR/, 'rewards are shown');
    const svgPoints = await page.$eval('#plot', (svg) => svg.querySelector('polyline')?.getAttribute('points') ?? '');
    assert.ok(svgPoints.split(' ').length >= 2, 'the vesting plot is drawn');
    assert.deepEqual(problems, [], 'no console errors, no failed requests');

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    const sorted = [...last.latencies].sort((a, b) => a - b);
    console.log(`# dashboard: page ${pageBytes} bytes (no other asset), ${last.updates} updates, `
      + `latency from the worker seeing a block to the page showing it: median ${sorted[Math.floor(sorted.length / 2)]} ms, `
      + `max ${sorted[sorted.length - 1]} ms; screenshot ${shot}`);
  });
});
