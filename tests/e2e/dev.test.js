// The dev node as a dApp builder meets it: `sprint-node --dev --tmp`, driven by @polkadot/api.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { bestNumber, finalizedNumber, rpcHttp, startNode, stopAll, tail, waitFor } from './lib/node.js';

const SPR = 10n ** 9n;

describe('sprint-node --dev --tmp with @polkadot/api', () => {
  let node;
  let api;
  let alice;
  let bob;
  let nodeTmp;

  before(async () => {
    await cryptoWaitReady();
    // The node's --tmp directory goes under this TMPDIR, so the test can see it is removed.
    nodeTmp = mkdtempSync(join(tmpdir(), 'sprint-e2e-tmpdir-'));
    node = await startNode({ name: 'dev', args: ['--dev', '--tmp', '--dev-block-time', '500'], env: { TMPDIR: nodeTmp } });
    api = await node.api();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    alice = keyring.addFromUri('//Alice');
    bob = keyring.addFromUri('//Bob');
  });

  after(async () => {
    await stopAll();
  });

  test('reports the chain name, token properties and runtime version', async () => {
    assert.equal((await api.rpc.system.chain()).toString(), 'Sprint Development');
    // The raw JSON-RPC answer, as any client sees it.
    const { result: props } = await rpcHttp(node, 'system_properties', []);
    assert.deepEqual(props, { ss58Format: 42, tokenDecimals: 9, tokenSymbol: 'SPR' });
    assert.equal(api.registry.chainSS58, 42);
    assert.deepEqual(api.registry.chainTokens, ['SPR']);
    assert.deepEqual(api.registry.chainDecimals, [9]);
    assert.equal(api.runtimeVersion.specName.toString(), 'sprint');
    assert.ok(api.runtimeVersion.specVersion.toNumber() >= 100);
  });

  test('serves metadata with the expected pallets and the issuance cap runtime constant', async () => {
    const metadata = await api.rpc.state.getMetadata();
    assert.ok(metadata.version >= 14, `metadata v${metadata.version}`);
    for (const pallet of ['system', 'timestamp', 'aura', 'grandpa', 'balances', 'transactionPayment', 'vesting', 'utility', 'sudo', 'poc', 'collateral', 'emission']) {
      assert.ok(api.query[pallet] || api.tx[pallet], `pallet ${pallet} in metadata`);
    }
    assert.equal(api.consts.balances.existentialDeposit.toBigInt(), 10_000_000n);
  });

  test('serves the standard JSON-RPC set plus accountNextIndex and payment_queryInfo', async () => {
    const { result } = await rpcHttp(node, 'rpc_methods', []);
    for (const method of [
      'system_health', 'system_accountNextIndex', 'chain_getFinalizedHead', 'state_getMetadata',
      'author_submitExtrinsic', 'childstate_getStorage', 'payment_queryInfo', 'chainHead_v1_follow',
      'transaction_v1_broadcast', 'chainSpec_v1_genesisHash',
    ]) {
      assert.ok(result.methods.includes(method), `${method} is served`);
    }
  });

  test('produces at least 3 new blocks without any transaction', async () => {
    const start = await bestNumber(node);
    await waitFor('3 new blocks', async () => (await bestNumber(node)) >= start + 3, { timeoutMs: 30_000 });
  });

  test('a signed Alice→Bob transfer after paymentInfo emits Balances.Transfer and moves both balances', async () => {
    const amount = 12n * SPR;
    const transfer = api.tx.balances.transferKeepAlive(bob.address, amount);
    const info = await transfer.paymentInfo(alice);
    const estimated = info.partialFee.toBigInt();
    assert.ok(estimated > 0n, 'paymentInfo reports a fee');

    const aliceBefore = (await api.query.system.account(alice.address)).data.free.toBigInt();
    const bobBefore = (await api.query.system.account(bob.address)).data.free.toBigInt();

    const { events, blockHash } = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('transfer not included within 60 s')), 60_000);
      transfer
        .signAndSend(alice, ({ status, events, dispatchError }) => {
          if (dispatchError) {
            clearTimeout(timer);
            reject(new Error(`transfer failed: ${dispatchError.toString()}`));
          } else if (status.isInBlock) {
            clearTimeout(timer);
            resolve({ events, blockHash: status.asInBlock });
          }
        })
        .catch((e) => {
          clearTimeout(timer);
          reject(e);
        });
    });

    const transferEvent = events.find(({ event }) => api.events.balances.Transfer.is(event));
    assert.ok(transferEvent, 'Balances.Transfer emitted');
    const [from, to, value] = transferEvent.event.data;
    assert.equal(from.toString(), alice.address);
    assert.equal(to.toString(), bob.address);
    assert.equal(value.toBigInt(), amount);

    const feeEvent = events.find(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event));
    assert.ok(feeEvent, 'TransactionPayment.TransactionFeePaid emitted');
    const fee = feeEvent.event.data[1].toBigInt();
    assert.ok(fee > 0n);
    // paymentInfo's estimate and the fee charged agree (same weight, same length; the
    // congestion multiplier may move it slightly between the two blocks).
    assert.ok(fee <= estimated * 2n && fee * 2n >= estimated, `fee ${fee} vs estimate ${estimated}`);

    const apiAt = await api.at(blockHash);
    const aliceAfter = (await apiAt.query.system.account(alice.address)).data.free.toBigInt();
    const bobAfter = (await apiAt.query.system.account(bob.address)).data.free.toBigInt();
    assert.equal(bobAfter - bobBefore, amount);
    assert.equal(aliceBefore - aliceAfter, amount + fee);
  });

  test('PoC epochs, seeds and parameters are plain storage @polkadot/api reads without custom types', async () => {
    const params = (await api.query.poc.params()).unwrap();
    assert.equal(params.epochLength.toNumber(), 60);
    assert.equal(params.generationWindow.toNumber(), 20);
    assert.equal(params.model.dModel.toNumber(), 64);
    const start = (await api.query.poc.epochStart()).unwrap().toNumber();
    const epoch = (await api.query.poc.currentEpoch()).toNumber();
    const seed = (await api.query.poc.seeds(epoch)).unwrap();
    assert.equal(seed.length, 32);
    // The seed is the parent hash seen by the epoch's first block.
    assert.equal(seed.toHex(), (await api.rpc.chain.getBlockHash(start - 1)).toHex());
    assert.ok((await api.query.poc.targets(epoch)).isSome);
  });

  test('the PocApi runtime API reports the epoch, phase, seed and parameters', async () => {
    const status = (await api.call.pocApi.epochStatus()).unwrap();
    const epoch = (await api.query.poc.currentEpoch()).toNumber();
    assert.ok(status.epoch.toNumber() >= epoch);
    assert.ok(['Generation', 'Commit', 'Validation', 'Answer', 'Check', 'Tally'].includes(status.phase.type));
    assert.equal(status.params.epochLength.toNumber(), 60);
    assert.equal(status.seed.toHex(), (await api.query.poc.seeds(status.epoch)).unwrap().toHex());
  });

  test('a host registers with polkadot-js and its bond is held by pallet-collateral', async () => {
    const bond = 1_000n * SPR;
    const freeBefore = (await api.query.system.account(bob.address)).data.free.toBigInt();
    const register = api.tx.poc.registerHost(new Uint8Array(32).fill(7), 'http://127.0.0.1:8090', 'e2e');
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('registration not included within 60 s')), 60_000);
      register.signAndSend(bob, ({ status, dispatchError }) => {
        if (dispatchError) { clearTimeout(timer); reject(new Error(dispatchError.toString())); }
        else if (status.isInBlock) { clearTimeout(timer); resolve(); }
      }).catch((e) => { clearTimeout(timer); reject(e); });
    });
    const host = (await api.query.poc.hosts(bob.address)).unwrap();
    assert.equal(host.proofUrl.toUtf8(), 'http://127.0.0.1:8090');
    const account = (await api.query.system.account(bob.address)).data;
    assert.ok(account.reserved.toBigInt() >= bond, 'the bond is on hold');
    assert.ok(freeBefore - account.free.toBigInt() >= bond);
  });

  test('system_accountNextIndex counts Alice\'s transaction', async () => {
    const next = await api.rpc.system.accountNextIndex(alice.address);
    assert.ok(next.toNumber() >= 1);
  });

  test('the finalized head advances', async () => {
    const start = await finalizedNumber(node);
    await waitFor('finalized head to advance by 2', async () => (await finalizedNumber(node)) >= start + 2, { timeoutMs: 30_000 });
  });

  test('--tmp leaves nothing behind after the node stops', async () => {
    assert.ok(readdirSync(nodeTmp).length > 0, 'the node made its temporary base path');
    await node.kill('SIGTERM');
    assert.equal(node.exitCode, 0, `clean exit:\n${tail(node.log())}`);
    assert.deepEqual(readdirSync(nodeTmp), []);
    rmSync(nodeTmp, { recursive: true, force: true });
  });
});
