// Carbon certificates (docs/protocol.md §9) as a host and a buyer meet them: a dev sprint-node,
// Alice validating and Bob hosting with real sprint-worker processes. Bob declares solar power
// in his inference service declaration (before the workers start); it counts from the next epoch. Each of his accepted
// epochs under it mints him a certificate (none before it) holding pallet-nfts' item deposit from his free balance
// until it is retired — a pallet-nfts item in pallet-carbon's collection — read here
// through pallet-nfts' storage and runtime API and through pallet-carbon's runtime API, its
// energy checked against the chain's own target, leaves and energy figure. Bob cannot burn it
// with pallet-nfts (the runtime filters that call); he transfers it to Charlie with pallet-nfts,
// and Charlie retires it through pallet-carbon, which records it in the ledger.
//
// On the same chain, Bob's live dashboard in a real browser: headless Chromium from Debian's
// `chromium` package (installed by `make deps`), driven by puppeteer-core, which uses that browser
// and downloads none. It loads with no console error, follows the chain live (no reload) as the
// epoch advances, shows Bob's accepted epoch with its reward and certificate, and a screenshot is
// kept in tests/artifacts/ (SPRINT_ARTIFACTS elsewhere); its page weight and update latency are
// printed. (One suite for both: they need the same chain and workers, and the waits overlap.)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { Keyring } from '@polkadot/keyring';
import { stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, encodeAddress } from '@polkadot/util-crypto';
import { freePort, startNode, stopAll, waitFor } from './lib/node.js';
import { spawnSync } from 'node:child_process';
import { startWorker, stopWorkers, workerBinary } from './lib/worker.js';
import { send } from './lib/tx.js';

const MJ_PER_KWH = 3_600_000_000n;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = process.env.SPRINT_ARTIFACTS ?? new URL('../artifacts', import.meta.url).pathname;

describe('carbon certificates with real workers', () => {
  let node;
  let api;
  let alice;
  let bob;
  let charlie;
  const workers = {};
  let collection;
  let declaredFrom;
  let declaration;
  let solar;
  let browser;

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    [alice, bob, charlie] = ['Alice', 'Bob', 'Charlie'].map((n) => keyring.addFromUri(`//${n}`));
    node = await startNode({ name: 'carbon', args: ['--dev', '--tmp', '--dev-block-time', '500'] });
    api = await node.api();
    // Before the workers start: they sign with the same accounts, and a transaction of the test
    // could meet one of theirs with the same nonce.
    await send(api.tx.sudo.sudo(api.tx.inference.registerModel({
      name: 'SmolLM2-135M-Instruct.Q4_1',
      fileSha256: '0xb179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
      architecture: 'llama', contextLength: 8192, engineRecipe: 1, computeUnitsPerToken: 1, initialPrice: 1000,
    })), alice, 'governance registers a model');
    // Only a bonded host declares a service: Bob registers as his worker would (the same proof
    // key and proof URL), so that his worker finds itself registered.
    const bobPort = await freePort();
    await send(api.tx.poc.registerHost(keyring.addFromUri('//Bob//proof').publicKey, `http://127.0.0.1:${bobPort}`, 'e2e'),
      bob, 'Bob registers as a host');
    declaration = await send(api.tx.inference.declareService({
      models: [0], capacity: 50, apiUrl: 'https://bob.example/v1', energy: 'Solar', region: 'ES',
    }), bob, 'Bob declares his service');
    [workers.alice, workers.bob] = await Promise.all([
      startWorker({ node, name: 'Alice', args: ['--validator-only', '--dev-secret', 'Alice'] }),
      startWorker({ node, name: 'Bob', listenPort: bobPort }),
    ]);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await stopWorkers();
    await stopAll();
    for (const w of Object.values(workers)) w.cleanup();
  });

  test('genesis made the certificates collection, owned by pallet-carbon, with its metadata', async () => {
    collection = (await api.call.carbonApi.collection()).unwrap().toNumber();
    const details = (await api.query.nfts.collection(collection)).unwrap();
    const owner = (await api.call.nftsApi.collectionOwner(collection)).unwrap().toString();
    assert.equal(details.owner.toString(), owner);
    // The pallet's account: "modl" ‖ its PalletId, zero-padded.
    assert.equal(owner, encodeAddress(u8aConcat(stringToU8a('modlspr/carb'), new Uint8Array(20)), 42));
    const metadata = (await api.query.nfts.collectionMetadataOf(collection)).unwrap();
    assert.equal(JSON.parse(metadata.data.toUtf8()).name, 'Sprint carbon certificates');
  });

  test('Bob declared solar power with his service: it counts from the next epoch', async () => {
    const declared = declaration.find(({ event }) => event.section === 'inference' && event.method === 'EnergyDeclared');
    assert.ok(declared, 'EnergyDeclared emitted');
    declaredFrom = declared.event.data.epoch.toNumber();
    assert.equal(declaredFrom, 1, 'declared in epoch 0 (30 s long), in force from epoch 1');
    const history = await api.query.inference.energy(bob.address);
    assert.deepEqual(history.map(([from, d]) => [from.toNumber(), d.unwrap().source.toString(), d.unwrap().region.toUtf8()]),
      [[declaredFrom, 'Solar', 'ES']]);
  });

  test('Bob\'s dashboard in headless Chromium loads without errors, follows the chain live, shows an accepted epoch', async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: \`make deps\` installs Debian's chromium (or set CHROMIUM)`);
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // As root (CI containers) Chromium refuses its sandbox.
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
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
    // An accepted epoch under his declaration mints a carbon certificate right after its tally
    // (docs/protocol.md §9); the epoch before his declaration mints none, so this may be the
    // next epoch's.
    await waitFor('a carbon certificate on the page', async () =>
      /^[1-9]\d* \(/.test(await page.$eval('#carbon', (e) => e.textContent)), { timeoutMs: 90_000, intervalMs: 1_000 });
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
    await browser.close();
    console.log(`# dashboard: page ${pageBytes} bytes (no other asset), ${last.updates} updates, `
      + `latency from the worker seeing a block to the page showing it: median ${sorted[Math.floor(sorted.length / 2)]} ms, `
      + `max ${sorted[sorted.length - 1]} ms; screenshot ${shot}`);
  });

  test('each accepted epoch under Bob\'s declaration mints him a certificate holding its deposit; none before it', async () => {
    const certificates = async () => (await api.call.carbonApi.certificatesOf(bob.address)).map(([id, c]) => ({ id: id.toNumber(), c }));
    await waitFor('a certificate of an epoch under Bob\'s declaration', async () =>
      (await certificates()).some(({ c }) => c.epoch.toNumber() >= declaredFrom), { timeoutMs: 240_000, intervalMs: 1_000 });
    const mine = await certificates();
    for (const { c } of mine) {
      assert.equal(c.host.toString(), bob.address);
      assert.ok(c.committed.toNumber() > 0 && c.weight.toBigInt() > 0n);
      // Revision 4: no certificate without a declaration in force (nor without its deposit).
      assert.ok(c.epoch.toNumber() >= declaredFrom, `epoch ${c.epoch} is before the declaration`);
      assert.equal(c.source.unwrap().toString(), 'Solar');
    }
    // Each holds pallet-nfts' item deposit from Bob's free balance, returned when it is retired.
    const collection = (await api.query.carbon.certificateCollection()).unwrap();
    const item = (await api.query.nfts.item(collection, mine[0].id)).unwrap();
    assert.equal(item.deposit.account.toString(), bob.address);
    assert.ok(item.deposit.amount.toBigInt() > 0n, 'a deposit is held');
    solar = mine.find(({ c }) => c.epoch.toNumber() >= declaredFrom);
    assert.equal(solar.c.source.unwrap().toString(), 'Solar');
    assert.equal(solar.c.region.toUtf8(), 'ES');
    // Only Bob hosts: Alice validates and never commits, so she gets none.
    assert.equal((await api.call.carbonApi.certificatesOf(alice.address)).length, 0);

    // `sprint-worker status` shows them: it reads the finalized head, which follows the best
    // block these calls read by a block or two.
    let json;
    await waitFor('sprint-worker status to show them', () => {
      const status = spawnSync(workerBinary(), ['status', '--node', node.url, '--account', bob.address, '--json'], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(status.status, 0, status.stderr);
      json = JSON.parse(status.stdout);
      return json.certificates >= mine.length;
    }, { timeoutMs: 30_000, intervalMs: 1_000 });
    assert.ok(json.certificates_mj > 0);
  });

  test('the certificate is a pallet-nfts item whose energy follows the chain\'s target, leaves and figure', async () => {
    const { id, c } = solar;
    assert.equal((await api.query.nfts.item(collection, id)).unwrap().owner.toString(), bob.address);
    assert.equal((await api.call.nftsApi.owner(collection, id)).unwrap().toString(), bob.address);
    const epoch = c.epoch.toNumber();
    const target = BigInt((await api.query.poc.targets(epoch)).unwrap().toHex());
    const shape = (await api.query.poc.epochParams(epoch)).unwrap().model;
    const nanojoules = (await api.query.carbon.energyPerNonce(shape)).unwrap().toBigInt();
    const expected = BigInt(c.committed.toNumber()) * ((1n << 256n) / target) * nanojoules / 1_000_000n;
    assert.equal(c.energyMj.toBigInt(), expected);
    assert.ok(expected > 0n);

    const json = JSON.parse((await api.query.nfts.itemMetadataOf(collection, id)).unwrap().data.toUtf8());
    const kwh = `${expected / MJ_PER_KWH}.${String((expected % MJ_PER_KWH) * 1_000_000_000n / MJ_PER_KWH).padStart(9, '0')}`;
    assert.deepEqual(json, {
      epoch, host: u8aToHex(bob.addressRaw), weight: c.weight.toString(),
      leaves: c.committed.toNumber(), kwh, source: 'solar', region: 'ES',
    });
  });

  test('pallet-nfts cannot burn a certificate: the runtime filters the call', async () => {
    // The workers are done; stopped, they send nothing with Alice's or Bob's nonce.
    await stopWorkers();
    await assert.rejects(
      send(api.tx.nfts.burn(collection, solar.id), bob, 'Bob burns his certificate with pallet-nfts'),
      /system\.CallFiltered/,
    );
    // Inside a batch too: the batch lands, its burn is refused (reported as an event).
    const events = await send(api.tx.utility.batch([api.tx.nfts.burn(collection, solar.id)]), bob, 'the same inside a batch');
    const interrupted = events.find(({ event }) => event.section === 'utility' && event.method === 'BatchInterrupted');
    assert.ok(interrupted, 'the batch was interrupted');
    const { section, name } = api.registry.findMetaError(interrupted.event.data.error.asModule);
    assert.equal(`${section}.${name}`, 'system.CallFiltered');
    assert.ok((await api.query.nfts.item(collection, solar.id)).isSome, 'still there');
  });

  test('transferred with pallet-nfts and retired through pallet-carbon by its new owner', async () => {
    await send(api.tx.nfts.transfer(collection, solar.id, charlie.address), bob, 'Bob transfers the certificate');
    assert.equal((await api.query.nfts.item(collection, solar.id)).unwrap().owner.toString(), charlie.address);
    assert.ok((await api.call.carbonApi.certificatesOf(charlie.address)).some(([id]) => id.toNumber() === solar.id));
    await assert.rejects(send(api.tx.carbon.retire(solar.id), bob, 'Bob retires it'), /carbon\.NotOwner/);

    const before = (await api.call.carbonApi.totals()).find(([s]) => s.isSome && s.unwrap().toString() === 'Solar')[1];
    const deposit = (await api.query.nfts.item(collection, solar.id)).unwrap().deposit.amount.toBigInt();
    const events = await send(api.tx.carbon.retire(solar.id), charlie, 'Charlie retires it');
    const retired = events.find(({ event }) => event.section === 'carbon' && event.method === 'Retired');
    assert.equal(retired.event.data.energyMj.toBigInt(), solar.c.energyMj.toBigInt());
    assert.ok((await api.query.nfts.item(collection, solar.id)).isNone, 'burned');
    // Retiring returns the item deposit to the host that held it (not to Charlie, who retired it).
    const unreserved = events.find(({ event }) => event.section === 'balances' && event.method === 'Unreserved');
    assert.ok(unreserved, 'the deposit was unreserved');
    assert.equal(unreserved.event.data.who.toString(), bob.address);
    assert.equal(unreserved.event.data.amount.toBigInt(), deposit);

    const [ledger, total] = await api.call.carbonApi.retirementsOf(charlie.address);
    assert.equal(ledger.length, 1);
    assert.equal(ledger[0].certificate.toNumber(), solar.id);
    assert.equal(ledger[0].host.toString(), bob.address);
    assert.equal(ledger[0].epoch.toNumber(), solar.c.epoch.toNumber());
    assert.equal(ledger[0].source.unwrap().toString(), 'Solar');
    assert.ok(ledger[0].block.toNumber() > 0);
    assert.equal(total.certificates.toNumber(), 1);
    assert.equal(total.energyMj.toBigInt(), solar.c.energyMj.toBigInt());
    const after = (await api.call.carbonApi.totals()).find(([s]) => s.isSome && s.unwrap().toString() === 'Solar')[1];
    assert.equal(after.retired.toNumber(), before.retired.toNumber() + 1);
    assert.equal(after.retiredMj.toBigInt(), before.retiredMj.toBigInt() + solar.c.energyMj.toBigInt());
    assert.ok(after.minted.toNumber() >= 1);
    await assert.rejects(send(api.tx.carbon.retire(solar.id), charlie, 'retiring it twice'), /carbon\.UnknownCertificate/);
  });
});
