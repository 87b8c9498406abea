// Four validators (Aura + GRANDPA) on loopback: blocks finalize; with one killed (-9) the other
// three keep finalizing; restarted on the same base path, it catches up with no database error.
// Then a forkless upgrade as governance does it (docs/protocol.md §8): the runtime one spec_version later
// (the `upgrade-test` variant the runtime's build script makes beside the runtime) is noted as a
// preimage, a `root` referendum to `system.setCode` it is passed by the four genesis validators'
// votes, and the running nodes switch to it without a restart and keep finalizing.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { bestNumber, finalizedNumber, freePort, nodeBinary, rpcHttp, startNode, stopAll, tail, waitFor } from './lib/node.js';
import { send } from './lib/tx.js';

const VALIDATORS = ['alice', 'bob', 'charlie', 'dave'];
// 6 s slots: finality of a few blocks takes tens of seconds.
const FINALITY_TIMEOUT = 120_000;

// The upgrade's WASM: the runtime's build script writes it beside the runtime's own, in the
// release build the node under test comes from (runtime/tests/runtime/upgrade.rs checks it is the
// runtime one spec_version later); $SPRINT_UPGRADE_WASM names another file.
function upgradeWasm() {
  if (process.env.SPRINT_UPGRADE_WASM) return process.env.SPRINT_UPGRADE_WASM;
  const release = dirname(nodeBinary());
  const wasm = join(release, 'wbuild', 'sprint-runtime', 'sprint_runtime_upgrade_test.compact.compressed.wasm');
  if (!existsSync(wasm)) throw new Error(`${wasm} not found: build the workspace (make build) without SKIP_WASM_BUILD`);
  return wasm;
}

const specVersion = async (node, at) => (await rpcHttp(node, 'state_getRuntimeVersion', at ? [at] : [])).result.specVersion;

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

  test('a root referendum upgrades the runtime: the nodes switch without a restart and keep finalizing', async () => {
    const code = readFileSync(upgradeWasm());
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const voters = Object.fromEntries(VALIDATORS.map((name) => [name, keyring.addFromUri(`//${name[0].toUpperCase()}${name.slice(1)}`)]));
    const api = await nodes.alice.api();
    const before = await specVersion(nodes.alice);

    const setCode = api.tx.system.setCode(u8aToHex(code));
    const started = Date.now();
    const submittedAt = await bestNumber(nodes.alice);
    // Anyone may note the call (Bob here; the deposit is per byte); the referendum refers to it by
    // hash, so a 0.6 MB call is not copied into the referendum's storage.
    await send(api.tx.preimage.notePreimage(setCode.method.toHex()), voters.bob, 'noting the upgrade\'s preimage');
    const index = (await api.query.referenda.referendumCount()).toNumber();
    const proposal = { Lookup: { hash: setCode.method.hash, len: setCode.method.encodedLength } };
    await send(api.tx.referenda.submit({ system: 'Root' }, proposal, { After: 0 }), voters.alice, 'the root referendum');
    await send(api.tx.referenda.placeDecisionDeposit(index), voters.alice, 'its decision deposit');
    // Before any epoch has accepted a host, each genesis validator votes with power 1.
    await Promise.all(VALIDATORS.map((name) => send(api.tx.pocVoting.vote(index, 'Aye'), voters[name], `${name}'s vote`)));

    await waitFor('the upgrade referendum to be approved', async () => {
      const info = await api.query.referenda.referendumInfoFor(index);
      if (info.isSome && !info.unwrap().isOngoing && !info.unwrap().isApproved) throw new Error(info.toString());
      return info.isSome && info.unwrap().isApproved;
    }, { timeoutMs: 180_000, intervalMs: 1_000 });
    const approved = Date.now();

    await waitFor('every node to run the new runtime', async () => {
      for (const name of VALIDATORS) if ((await specVersion(nodes[name])) !== before + 1) return false;
      return true;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    const switched = Date.now();
    const upgradedAt = await bestNumber(nodes.alice);

    // Finality goes on past the upgrade on every node: each finalized head runs the new version.
    await waitFor('three blocks finalized past the upgrade on every node', async () => {
      for (const name of VALIDATORS) {
        if ((await finalizedNumber(nodes[name])) < upgradedAt + 3) return false;
        const { result: head } = await rpcHttp(nodes[name], 'chain_getFinalizedHead', []);
        if ((await specVersion(nodes[name], head)) !== before + 1) return false;
      }
      return true;
    }, { timeoutMs: FINALITY_TIMEOUT, intervalMs: 1_000 });
    console.log(`# forkless upgrade ${before} -> ${before + 1}: submission to approval ${((approved - started) / 1000).toFixed(0)} s, `
      + `approval to the switch ${((switched - approved) / 1000).toFixed(0)} s, ${upgradedAt - submittedAt} blocks in all; `
      + `3 blocks finalized on the new runtime ${((Date.now() - switched) / 1000).toFixed(0)} s later`);

    for (const name of VALIDATORS) assert.equal(nodes[name].exited, false, `${name} ran throughout, never restarted`);
    const last = await api.query.system.lastRuntimeUpgrade();
    assert.equal(last.unwrap().specVersion.toNumber(), before + 1, 'the chain records the upgrade');
    // The client follows: a transaction signed after the switch (new metadata) lands.
    await send(api.tx.system.remark('0x5370726974'), voters.charlie, 'a remark on the new runtime');
  });
});
