// Governance on the dev chain as token holders and hosts meet it with @polkadot/api (docs/protocol.md §8):
// pallet-referenda's tracks, decided by PoC-weighted votes (pallet-poc-voting), the community
// fund as pallet-treasury. Before any epoch has accepted a host, the dev chain's genesis voters
// (Alice, Bob, Charlie and Dave) vote with power 1 each; every other account has none. Nothing
// passes on one account's ayes: Alice and Bob vote for each referendum.
//
// A `treasury` referendum — proposed and voted by the README's own snippet, run as it stands —
// spends 5,000 SPR from the fund to Ferdie, who claims it with `treasury.payout`; a `params`
// referendum sets the PoC epoch length to 70 blocks (checked as genesis checks it: 40 is refused),
// which the next epoch runs with while the running one keeps its 60; another registers a model
// (model registration is the `params` track's, no longer sudo's).
// Each passes in well under a minute of 500 ms blocks.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { stringToU8a, u8aConcat } from '@polkadot/util';
import { startNode, stopAll, waitFor } from './lib/node.js';
import { send } from './lib/tx.js';

const SPR = 10n ** 9n;

describe('governance with @polkadot/api', () => {
  let node;
  let api;
  let alice;
  let bob;
  let ferdie;

  before(async () => {
    await cryptoWaitReady();
    node = await startNode({ name: 'governance', args: ['--dev', '--tmp', '--dev-block-time', '500'] });
    api = await node.api();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    alice = keyring.addFromUri('//Alice');
    bob = keyring.addFromUri('//Bob');
    ferdie = keyring.addFromUri('//Ferdie');
  });

  after(async () => {
    await stopAll();
  });

  // Submits `call` on the track of `origin`, places the decision deposit, votes Aye as Alice and
  // Bob (two accounts' ayes are needed), and waits for the referendum to be approved; returns its index and blocks from submission
  // to approval.
  const pass = async (origin, call, what) => {
    const index = (await api.query.referenda.referendumCount()).toNumber();
    const submitted = (await api.rpc.chain.getHeader()).number.toNumber();
    await send(api.tx.referenda.submit(origin, { Inline: call.method.toHex() }, { After: 0 }), alice, `submit ${what}`);
    await send(api.tx.referenda.placeDecisionDeposit(index), alice, `decision deposit of ${what}`);
    await send(api.tx.pocVoting.vote(index, 'Aye'), alice, `Alice's vote on ${what}`);
    await send(api.tx.pocVoting.vote(index, 'Aye'), bob, `Bob's vote on ${what}`);
    await waitFor(`${what} to be approved`, async () => {
      const info = await api.query.referenda.referendumInfoFor(index);
      if (info.isSome && (info.unwrap().isRejected || info.unwrap().isTimedOut)) throw new Error(`${what}: ${info.toString()}`);
      return info.isSome && info.unwrap().isApproved;
    }, { timeoutMs: 90_000, intervalMs: 500 });
    const approvedAt = (await api.rpc.chain.getHeader()).number.toNumber();
    return { index, blocks: approvedAt - submitted };
  };

  test('an account without voting power is refused; the tracks are root, params, treasury and emergency', async () => {
    const tracks = api.consts.referenda.tracks.map(([id, info]) => [id.toNumber(), info.name.toString().replace(/\0+$/, '')]);
    assert.deepEqual(tracks, [[0, 'root'], [1, 'params'], [2, 'treasury'], [3, 'emergency']]);
    const index = (await api.query.referenda.referendumCount()).toNumber();
    const remark = api.tx.system.remark('0x01');
    await send(api.tx.referenda.submit({ Governance: 'Params' }, { Inline: remark.method.toHex() }, { After: 0 }), alice, 'submit');
    await assert.rejects(send(api.tx.pocVoting.vote(index, 'Aye'), ferdie, 'Ferdie\'s vote'), /pocVoting\.NoVotingPower/);
    await assert.rejects(
      send(api.tx.referenda.submit({ Governance: 'Params' }, { Inline: remark.method.toHex() }, { After: 0 }), ferdie, 'Ferdie\'s proposal'),
      /BadOrigin/,
      'only a bonded host submits',
    );
  });

  test('a treasury referendum pays its recipient from the community fund', async () => {
    const fund = api.consts.treasury.palletId.toU8a();
    assert.equal(Buffer.from(fund).toString(), 'spr/fund');
    // A pallet's account: "modl" ‖ its id, zero-padded to 32 bytes.
    const fundAccount = api.registry.createType('AccountId', u8aConcat(stringToU8a('modl'), fund, new Uint8Array(20)));
    const balance = async (who) => (await api.query.system.account(who)).data.free.toBigInt();
    const before = [await balance(ferdie.address), await balance(fundAccount)];
    const amount = 5_000n * SPR;
    // The README's snippet, as a token holder copies it: `api`, `host`, `recipient` and a second
    // `voter` given.
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const snippet = readme.match(/<!-- governance-snippet -->\s*```js\n([\s\S]*?)```/);
    assert.ok(snippet, 'README.md holds the governance snippet');
    const AsyncFunction = (async () => {}).constructor;
    const index = (await api.query.referenda.referendumCount()).toNumber();
    const submitted = (await api.rpc.chain.getHeader()).number.toNumber();
    await new AsyncFunction('api', 'host', 'recipient', 'voter', snippet[1])(api, alice, ferdie.address, bob);
    await waitFor('the spend to be approved', async () => {
      const info = await api.query.referenda.referendumInfoFor(index);
      if (info.isSome && (info.unwrap().isRejected || info.unwrap().isTimedOut)) throw new Error(info.toString());
      return info.isSome && info.unwrap().isApproved;
    }, { timeoutMs: 90_000, intervalMs: 500 });
    const blocks = (await api.rpc.chain.getHeader()).number.toNumber() - submitted;
    console.log(`# treasury referendum: ${blocks} blocks from submission to approval`);
    await waitFor('the spend to be enacted', async () => (await api.query.treasury.spends(0)).isSome, { timeoutMs: 30_000 });
    const events = await send(api.tx.treasury.payout(0), ferdie, 'payout');
    const paid = events.map(({ event }) => event).find((e) => api.events.balances.Transfer.is(e));
    assert.ok(paid, 'the payout transfers');
    assert.equal(paid.data.from.toString(), fundAccount.toString(), 'from the community fund');
    assert.equal(paid.data.to.toString(), ferdie.address, 'to Ferdie');
    assert.equal(paid.data.amount.toBigInt(), amount, 'exactly the amount voted');
    const fee = events.map(({ event }) => event).find((e) => api.events.transactionPayment.TransactionFeePaid.is(e)).data.actualFee.toBigInt();
    assert.equal(await balance(ferdie.address), before[0] + amount - fee, 'Ferdie holds it, less the payout\'s fee');
    assert.ok(before[1] - await balance(fundAccount) >= amount - 10n * SPR, 'the fund paid it (it also earns the fees meanwhile)');
  });

  test('a params referendum changes a protocol parameter, and the next epoch runs with it', async () => {
    const current = (await api.query.poc.params()).unwrap();
    const params = current.toJSON();
    assert.equal(params.epochLength, 60, 'the dev chain\'s epochs');
    params.epochLength = 70;
    const tooShort = { ...params, epochLength: 40 };
    await assert.rejects(send(api.tx.sudo.sudo(api.tx.poc.setParams(tooShort)), alice, 'a 40-block epoch'), /poc\.InvalidParams/,
      'parameters genesis would refuse are refused');
    const { blocks } = await pass({ Governance: 'Params' }, api.tx.poc.setParams(params), 'the parameter change');
    console.log(`# params referendum: ${blocks} blocks from submission to approval`);
    await waitFor('the change to be enacted', async () => (await api.query.poc.params()).unwrap().epochLength.toNumber() === 70,
      { timeoutMs: 30_000 });
    const running = (await api.query.poc.currentEpoch()).toNumber();
    assert.equal((await api.query.poc.epochParams(running)).unwrap().epochLength.toNumber(), 60, 'the running epoch keeps its length');
    await waitFor('the next epoch to start with the new length', async () => {
      const epoch = (await api.query.poc.currentEpoch()).toNumber();
      return epoch > running && (await api.query.poc.epochParams(epoch)).unwrap().epochLength.toNumber() === 70;
    }, { timeoutMs: 60_000, intervalMs: 500 });
  });

  test('a params referendum registers a model', async () => {
    const name = 'Governed-Model.Q4_1';
    const register = api.tx.inference.registerModel({
      name, fileSha256: `0x${'ab'.repeat(32)}`, architecture: 'llama', contextLength: 2048,
      engineRecipe: 1, computeUnitsPerToken: 1, initialPrice: 1_000,
    });
    await assert.rejects(send(register, alice, 'a direct registration'), /BadOrigin/, 'not without a referendum');
    await pass({ Governance: 'Params' }, register, 'the registration');
    await waitFor('the model to be registered', async () => {
      const models = await api.query.inference.models.entries();
      return models.some(([, m]) => m.unwrap().name.toUtf8() === name);
    }, { timeoutMs: 30_000 });
  });
});
