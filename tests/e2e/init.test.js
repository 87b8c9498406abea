// `sprint-worker init` as a new host runs it against a dev chain: an unreachable node is named;
// a fresh directory gets a key file and a commented worker.toml, and the unfunded account is
// shown with what it needs; run again with --wait, it waits while Alice funds the account, then
// registers the host (the chain holds its bond) and deposits extra collateral; a third run does
// nothing twice; and the worker.toml it wrote starts `sprint-worker run`.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { devNode, stopAll, waitFor } from './lib/node.js';
import { workerBinary } from './lib/worker.js';
import { send } from './lib/tx.js';

const SPR = 10n ** 9n;

describe('sprint-worker init', () => {
  let node;
  let api;
  let dir;
  const children = [];

  before(async () => {
    await cryptoWaitReady();
    node = await devNode('init');
    api = await node.api();
    dir = mkdtempSync(join(tmpdir(), 'sprint-e2e-init-'));
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  const init = (...args) => spawnSync(workerBinary(), ['init', '--node', node.url, '--dir', dir, ...args], { encoding: 'utf8', timeout: 120_000 });

  test('an unreachable node is named, with what to do', () => {
    const run = spawnSync(workerBinary(), ['init', '--node', 'ws://127.0.0.1:9', '--dir', dir], { encoding: 'utf8', timeout: 60_000 });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /cannot reach sprint-node at ws:\/\/127\.0\.0\.1:9: start it .* or pass --node/);
  });

  test('keys, a commented config, the account to fund; then it waits for the funds and registers', async () => {
    const first = init('--collateral', '250');
    assert.notEqual(first.status, 0, 'an unfunded account cannot register');
    assert.match(first.stdout, /\[2\/5\] keys: generated .*keys\.json/);
    assert.match(first.stdout, /\[3\/5\] config: wrote .*worker\.toml/);
    const account = first.stdout.match(/account (\w+), proof key/)[1];
    assert.match(first.stderr, new RegExp(`fund ${account}: it holds 0\\.000 SPR, needs 1251\\.000 SPR \\(the 1000\\.000 SPR host bond, 250\\.000 SPR collateral and 1 SPR for fees\\)`));
    assert.match(first.stderr, /run `sprint-worker init` again/);
    assert.equal(statSync(join(dir, 'keys.json')).mode & 0o777, 0o600, 'the key file is the owner\'s only');
    const config = readFileSync(join(dir, 'worker.toml'), 'utf8');
    assert.match(config, /^# sprint-worker's configuration/);
    assert.match(config, new RegExp(`^node_url = "${node.url}"$`, 'm'));

    // Run again, waiting; Alice funds the account meanwhile.
    let output = '';
    const waiting = spawn(workerBinary(), ['init', '--node', node.url, '--dir', dir, '--collateral', '250', '--wait', '120'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(waiting);
    waiting.stdout.on('data', (d) => { output += d; });
    waiting.stderr.on('data', (d) => { output += d; });
    await waitFor('init to wait for funds', () => /\[4\/5\] funds: fund .*waiting up to 120 s/.test(output), { timeoutMs: 30_000 });
    const alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice');
    await send(api.tx.balances.transferKeepAlive(account, 1_300n * SPR), alice, 'funding the new host');
    const code = await new Promise((resolve) => waiting.on('exit', resolve));
    assert.equal(code, 0, output);
    assert.match(output, /\[5\/5\] host: registered \(finalized\), proofs at http:\/\/127\.0\.0\.1:8610; the chain holds its 1000\.000 SPR bond/);
    assert.match(output, /collateral: 250\.000 SPR more held \(finalized\)/);

    const host = await api.query.poc.hosts(account);
    assert.ok(host.isSome, 'registered on chain');
    assert.equal(host.unwrap().proofUrl.toUtf8(), 'http://127.0.0.1:8610');
    const held = (await api.query.balances.holds(account)).reduce((s, h) => s + h.amount.toBigInt(), 0n);
    assert.equal(held, 1_250n * SPR, 'the bond and the extra collateral are held');
  });

  test('run again, it does nothing twice; its worker.toml starts the worker', async () => {
    const again = init();
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /keys: kept/);
    assert.match(again.stdout, /config: kept/);
    assert.match(again.stdout, /host: already registered, proofs at http:\/\/127\.0\.0\.1:8610/);

    let output = '';
    const worker = spawn(workerBinary(), ['run', '--config', join(dir, 'worker.toml'), '--backend', 'cpu', '--no-metrics', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(worker);
    worker.stdout.on('data', (d) => { output += d; });
    worker.stderr.on('data', (d) => { output += d; });
    await waitFor('the worker to find its registration', () => {
      if (worker.exitCode !== null) throw new Error(output);
      return /registered as a host/.test(output);
    }, { timeoutMs: 60_000 });
    worker.kill('SIGINT');
  });
});
