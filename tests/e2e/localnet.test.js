// Four validators (Aura + GRANDPA) on loopback: blocks finalize; with one killed (-9) the other
// three keep finalizing; restarted on the same base path, it catches up with no database error.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bestNumber, finalizedNumber, freePort, rpcHttp, startNode, stopAll, tail, waitFor } from './lib/node.js';

const VALIDATORS = ['alice', 'bob', 'charlie', 'dave'];
// 6 s slots: finality of a few blocks takes tens of seconds.
const FINALITY_TIMEOUT = 120_000;

function nodeKey(index) {
  return (index + 1).toString(16).padStart(64, '0');
}

describe('local testnet: 4 validators on loopback', () => {
  const nodes = {};
  const basePaths = {};
  let bootnode;
  let root;

  async function start(name, index) {
    const p2pPort = nodes[name]?.p2pPort ?? (await freePort());
    const args = ['--chain', 'local', `--${name}`, '--node-key', nodeKey(index)];
    if (bootnode) args.push('--bootnodes', bootnode);
    nodes[name] = await startNode({ name, args, basePath: basePaths[name], p2pPort, rpcPort: nodes[name]?.rpcPort });
    return nodes[name];
  }

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'sprint-e2e-localnet-'));
    for (const name of VALIDATORS) basePaths[name] = join(root, name);
    const alice = await start('alice', 0);
    const id = await waitFor('alice\'s peer id in its log', () => alice.log().match(/Local node identity is: (\w+)/)?.[1], { timeoutMs: 30_000 });
    bootnode = `/ip4/127.0.0.1/tcp/${alice.p2pPort}/p2p/${id}`;
    for (const [i, name] of VALIDATORS.entries()) if (name !== 'alice') await start(name, i);
  });

  after(async () => {
    await stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  test('all four peer up and blocks finalize', async () => {
    await waitFor('3 peers each', async () => {
      for (const name of VALIDATORS) {
        const health = await rpcHttp(nodes[name], 'system_health', []);
        if (health.result.peers < 3) return false;
      }
      return true;
    }, { timeoutMs: 60_000 });
    await waitFor('block 3 finalized on alice', async () => (await finalizedNumber(nodes.alice)) >= 3, { timeoutMs: FINALITY_TIMEOUT });
  });

  test('after kill -9 of one validator the other three keep finalizing', async () => {
    await nodes.dave.kill('SIGKILL');
    const start = await finalizedNumber(nodes.alice);
    await waitFor('3 more finalized blocks without dave', async () => (await finalizedNumber(nodes.alice)) >= start + 3, { timeoutMs: FINALITY_TIMEOUT });
    for (const name of ['bob', 'charlie']) assert.ok((await finalizedNumber(nodes[name])) >= start, `${name} finalizes too`);
  });

  test('restarted on the same base path, it catches up with no database error', async () => {
    const dave = await start('dave', 3);
    const target = await finalizedNumber(nodes.alice);
    await waitFor(`dave to reach finalized #${target}`, async () => (await finalizedNumber(dave)) >= target, { timeoutMs: FINALITY_TIMEOUT });
    assert.ok((await bestNumber(dave)) >= target);
    assert.equal(dave.exited, false);
    assert.doesNotMatch(dave.log(), /(database|Database).*(error|Error|corrupt)/, tail(dave.log()));
  });
});
