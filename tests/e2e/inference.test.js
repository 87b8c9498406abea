// The inference market on the dev node, driven by @polkadot/api as a requester, a transfer agent
// and an executor would drive it (docs/protocol.md §7): governance (sudo on dev) registers a model, Bob
// registers as a host and declares his service, Charlie funds a deposit and an API key, tickets
// signed with the key and receipts signed with Bob's proof key settle in one batch — Charlie's
// deposit falls by exactly (prompt + completion tokens) × price, the community fund gets 20% at
// once and Bob's 80% becomes claimable after the audit window. A receipt whose counts were
// inflated after Bob signed, a replayed ticket and a ticket of a revoked key are refused.
//
// The audit on chain (pallet-audit), with Alice — the dev chain's one validator, whose secrets
// are public — as auditor: Dave settles three receipts in epoch e; in epoch e + 1 Alice reveals
// her secret (her draw then hits every receipt: she holds all the power and traffic is low),
// passes one and finds another's payload unavailable; Dave never posts it, so at the tally it
// is fraud: Charlie is refunded, Dave's pending fees go to the community fund, 20% of his
// collateral is slashed and he is jailed. Charlie reports the third receipt, which Alice drew
// and never audited: her silent-seat penalty.
//
// Tickets and receipts are encoded through the chain's own metadata (sprint-core's
// `market::Ticket`), and their signed payloads built from their definitions: SCALE of (domain tag
// as bytes, …).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';
import { compactAddLength, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { startNode, stopAll, tail, waitFor } from './lib/node.js';
import { send } from './lib/tx.js';

const SPR = 10n ** 9n;
const PRICE = 1_000n;

const u32le = (n) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
const tag = (text) => compactAddLength(stringToU8a(text));
// The dev chain's public validator secret (runtime/src/genesis.rs `dev_secret`).
const aliceSecret = (epoch) => blake2AsU8a(stringToU8a(`//Alice//sprint-secret//${epoch}`));

describe('the inference market on the dev node', () => {
  let node;
  let api;
  let keyring;
  // Shared by the tests below, which run in order.
  let settled;
  let cost;
  let ticketOf;
  let receiptOf;

  before(async () => {
    await cryptoWaitReady();
    node = await startNode({ name: 'inference', args: ['--dev', '--tmp', '--dev-block-time', '700'] });
    api = await node.api();
    keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    // Alice's audit secret for epoch 2 (genesis commits epochs 0 and 1), in case Dave's receipts
    // settle in epoch 1.
    const alice = keyring.addFromUri('//Alice');
    await send(api.tx.poc.commitSecret(2, u8aToHex(blake2AsU8a(aliceSecret(2)))), alice, 'Alice commits her secret for epoch 2');
  });

  after(async () => {
    await stopAll();
  });

  test('receipts signed by a key and an executor settle, pay the fund at once and the executor after the audit window', async () => {
    const alice = keyring.addFromUri('//Alice');
    const bob = keyring.addFromUri('//Bob');
    const bobProof = keyring.addFromUri('//Bob//proof');
    const charlie = keyring.addFromUri('//Charlie');
    const apiKey = keyring.addFromUri('//Charlie//api');
    const genesis = api.genesisHash.toU8a();

    await send(api.tx.sudo.sudo(api.tx.inference.registerModel({
      name: 'SmolLM2-135M-Instruct.Q4_1',
      fileSha256: '0xb179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
      architecture: 'llama',
      contextLength: 8192,
      engineRecipe: 1,
      computeUnitsPerToken: 1,
      initialPrice: PRICE,
    })), alice, 'governance registers the model');
    assert.equal((await api.query.inference.prices(0)).unwrap().toBigInt(), PRICE);
    // The runtime API lists the registered models with their prices.
    const models = await api.call.inferenceApi.models();
    assert.equal(models.length, 1);
    assert.equal(models[0][1].name.toUtf8(), 'SmolLM2-135M-Instruct.Q4_1');
    assert.equal(models[0][2].toBigInt(), PRICE);

    await send(api.tx.poc.registerHost(bobProof.publicKey, 'http://127.0.0.1:1', 'e2e'), bob, 'Bob registers as a host');
    await send(api.tx.inference.declareService({
      models: [0], capacity: 100, apiUrl: 'https://bob.example/v1', energy: 'Wind', region: 'DE',
    }), bob, 'Bob declares his service');
    assert.equal((await api.query.inference.capacity(0)).toBigInt(), 100n);

    await send(api.tx.inference.deposit(100n * SPR), charlie, 'Charlie deposits');
    const proof = apiKey.sign(u8aConcat(tag('sprint/api-key'), charlie.addressRaw, compactAddLength(genesis)));
    await send(api.tx.inference.addApiKey(apiKey.publicKey, 10n * SPR, 10_000n, 1_000_000, u8aToHex(proof)), charlie, 'Charlie adds an API key');

    // A ticket of `key` for `executor`, and its receipt signed by the executor's proof key.
    ticketOf = async (key, executor, nonce, expiry = 1_000_000) => api.createType('SprintCoreMarketTicket', {
      genesis, key: key.publicKey, executor: executor.address, model: 0,
      requestHash: blake2AsU8a(stringToU8a(`request ${nonce}`)), maxTokens: 64,
      sampling: { temperatureMilli: 700, topPMilli: 1000, seed: nonce }, price: PRICE, nonce,
      epoch: (await api.query.poc.currentEpoch()).toNumber(), expiry,
    });
    receiptOf = (key, proofKey, t, prompt, completion) => {
      const commitment = blake2AsU8a(stringToU8a(`answer ${t.nonce}`));
      const executorPayload = u8aConcat(tag('sprint/receipt'), blake2AsU8a(t.toU8a()), u32le(prompt), u32le(completion), commitment);
      return {
        ticket: t,
        ticketSignature: u8aToHex(key.sign(u8aConcat(tag('sprint/ticket'), t.toU8a()))),
        promptTokens: prompt,
        completionTokens: completion,
        outputCommitment: u8aToHex(commitment),
        executorSignature: u8aToHex(proofKey.sign(executorPayload)),
      };
    };
    const epoch = (await api.query.poc.currentEpoch()).toNumber();
    const ticket = (nonce, expiry = 1_000_000) => api.createType('SprintCoreMarketTicket', {
      genesis, key: apiKey.publicKey, executor: bob.address, model: 0,
      requestHash: blake2AsU8a(stringToU8a(`request ${nonce}`)), maxTokens: 64,
      sampling: { temperatureMilli: 700, topPMilli: 1000, seed: nonce }, price: PRICE, nonce, epoch, expiry,
    });
    const receipt = (t, prompt, completion) => receiptOf(apiKey, bobProof, t, prompt, completion);

    const inflated = receipt(ticket(9), 30, 10);
    inflated.completionTokens = 64;
    await assert.rejects(send(api.tx.inference.settle([inflated]), bob, 'inflated counts'), /inference\.BadExecutorSignature/);

    const held = async (who) => (await api.query.balances.holds(who)).reduce((s, h) => s + h.amount.toBigInt(), 0n);
    const charlieBefore = await held(charlie.address);
    const events = await send(api.tx.inference.settle([receipt(ticket(1), 30, 10), receipt(ticket(2), 12, 48)]), bob, 'Bob settles two receipts');
    settled = events.find(({ event }) => api.events.inference.Settled.is(event)).event.data;
    cost = (30n + 10n + 12n + 48n) * PRICE;
    assert.equal(settled.count.toNumber(), 2);
    assert.equal(settled.tokens.toBigInt(), 100n);
    assert.equal(settled.cost.toBigInt(), cost);
    assert.equal(settled.fund.toBigInt(), cost / 5n, 'the community fund gets 20% at once');
    assert.equal(charlieBefore - (await held(charlie.address)), cost, 'the deposit falls by exactly tokens × price');
    const batch = (await api.query.inference.batches(settled.epoch, settled.index)).unwrap();
    assert.equal(batch.count.toNumber(), 2);

    await assert.rejects(send(api.tx.inference.settle([receipt(ticket(1), 30, 10)]), bob, 'a replayed ticket'), /inference\.NonceReused/);

    const fees = (await api.query.inference.pendingFees(bob.address)).map(([e, a]) => [e.toNumber(), a.toBigInt()]);
    assert.deepEqual(fees, [[settled.epoch.toNumber() + 2, cost - cost / 5n]], 'claimable after the audit window');
    await assert.rejects(send(api.tx.inference.claimFees(), bob, 'an early claim'), /inference\.NothingToClaim/);

    // Revoked: a ticket that may predate the revocation still settles, a later one does not.
    await send(api.tx.inference.revokeApiKey(apiKey.publicKey), charlie, 'Charlie revokes the key');
    const revokedAt = (await api.rpc.chain.getHeader()).number.toNumber();
    await assert.rejects(send(api.tx.inference.settle([receipt(ticket(3, revokedAt + 500), 5, 5)]), bob, 'a ticket after the revocation'), /inference\.KeyExpired/);
    await send(api.tx.inference.settle([receipt(ticket(4, revokedAt), 5, 5)]), bob, 'a ticket from before the revocation');

  });

  test('receipts are audited with the next epoch\'s secrets: an unposted payload is fraud, a missed audit is charged', async () => {
    const alice = keyring.addFromUri('//Alice');
    const charlie = keyring.addFromUri('//Charlie');
    const dave = keyring.addFromUri('//Dave');
    const daveProof = keyring.addFromUri('//Dave//proof');
    const apiKey = keyring.addFromUri('//Charlie//api2');
    const genesis = api.genesisHash.toU8a();
    const phase = async () => (await api.call.pocApi.epochStatus()).unwrap().phase.toString();
    const epochNow = async () => (await api.query.poc.currentEpoch()).toNumber();
    const held = async (who) => (await api.query.balances.holds(who)).reduce((s, h) => s + h.amount.toBigInt(), 0n);

    await send(api.tx.poc.registerHost(daveProof.publicKey, 'http://127.0.0.1:1', 'e2e'), dave, 'Dave registers as a host');
    await send(api.tx.inference.declareService({
      models: [0], capacity: 100, apiUrl: 'https://dave.example/v1', energy: 'Solar', region: 'FR',
    }), dave, 'Dave declares his service');
    const proof = apiKey.sign(u8aConcat(tag('sprint/api-key'), charlie.addressRaw, compactAddLength(genesis)));
    await send(api.tx.inference.addApiKey(apiKey.publicKey, 10n * SPR, 10_000n, 1_000_000, u8aToHex(proof)), charlie, 'Charlie adds a second API key');

    // Three receipts of 20 + 20 tokens, one batch each (a one-leaf batch needs no path).
    const receipts = [];
    const batches = [];
    for (const nonce of [101, 102, 103]) {
      const r = receiptOf(apiKey, daveProof, await ticketOf(apiKey, dave, nonce), 20, 20);
      const events = await send(api.tx.inference.settle([r]), dave, `Dave settles receipt ${nonce}`);
      const { epoch, index } = events.find(({ event }) => api.events.inference.Settled.is(event)).event.data;
      receipts.push(r);
      batches.push({ epoch: epoch.toNumber(), index: index.toNumber() });
    }
    const e = batches[0].epoch;
    assert.ok(batches.every((b) => b.epoch === e) && e <= 1, `all settled in epoch 0 or 1: ${JSON.stringify(batches)}`);
    const audit = (i, result) => ({ batch: batches[i].index, index: 0, receipt: receipts[i], path: [], result });
    const idOf = (r) => u8aToHex(blake2AsU8a(api.createType('SprintCoreMarketReceipt', r).toU8a()));

    await waitFor(`epoch ${e + 1}'s validation window`, async () => (await epochNow()) === e + 1 && (await phase()) === 'Validation', { timeoutMs: 120_000, intervalMs: 500 });
    await send(api.tx.poc.revealSecret(e + 1, u8aToHex(aliceSecret(e + 1))), alice, 'Alice reveals her secret');
    const odds = (await api.call.auditApi.auditProbability(e, alice.address, dave.address)).toBigInt();
    assert.equal(odds, 1_000_000_000n, 'all the power and low traffic: every receipt is hers to audit');
    await assert.rejects(send(api.tx.audit.reportMissedAudit(e, alice.address, audit(2, 'Pass')), charlie, 'a report while audits are open'), /audit\.OutsideWindow/);
    const submitted = await send(api.tx.audit.submitAudits(e, [audit(0, 'Pass'), audit(1, 'Unavailable')]), alice, 'Alice submits her audits');
    assert.ok(submitted.some(({ event }) => api.events.audit.Passed.is(event)));
    const disputed = submitted.find(({ event }) => api.events.audit.Disputed.is(event)).event.data;
    assert.equal(disputed.receipt.toHex(), idOf(receipts[1]));
    assert.equal((await api.call.auditApi.openDisputes(e)).length, 1);

    // Check period: the receipt Alice drew and never audited is reported.
    await waitFor(`epoch ${e + 1}'s check period`, async () => (await phase()) === 'Check', { timeoutMs: 60_000, intervalMs: 500 });
    const aliceHeld = await held(alice.address);
    const reported = await send(api.tx.audit.reportMissedAudit(e, alice.address, audit(2, 'Pass')), charlie, 'Charlie reports a missed audit');
    const missed = reported.find(({ event }) => api.events.audit.MissedAuditReported.is(event)).event.data;
    assert.equal(missed.receipt.toHex(), idOf(receipts[2]));
    assert.ok(missed.slashed.toBigInt() > 0n && (await held(alice.address)) < aliceHeld, 'Alice pays the silent-seat penalty');

    // The tally period: the payload was never posted, so it is fraud.
    const charlieHeld = await held(charlie.address);
    // His holds are his collateral and his service deposit (which no slash touches).
    const serviceDeposit = (await api.query.inference.serviceDeposits(dave.address)).unwrap().toBigInt();
    const daveCollateral = (await held(dave.address)) - serviceDeposit;
    await waitFor('the dispute to be decided', async () => (await api.query.audit.disputes(e, idOf(receipts[1]))).unwrap().resolution.isSome, { timeoutMs: 60_000, intervalMs: 500 });
    const dispute = (await api.query.audit.disputes(e, idOf(receipts[1]))).unwrap();
    assert.equal(dispute.resolution.unwrap().toString(), 'Fraud');
    assert.equal((await held(charlie.address)) - charlieHeld, 40n * PRICE, 'Charlie gets the receipt\'s cost back');
    assert.equal((await api.query.inference.pendingFees(dave.address)).length, 0, 'Dave forfeits his pending fees');
    assert.equal(await held(dave.address), serviceDeposit + daveCollateral - daveCollateral / 5n, 'and 20% of his collateral');
    assert.ok((await api.query.collateral.jailedUntil(dave.address)).isSome, 'and is jailed');
    const stats = await api.query.audit.stats(e);
    assert.deepEqual([stats.passed.toNumber(), stats.unavailable.toNumber(), stats.frauds.toNumber(), stats.missed.toNumber()], [1, 1, 1, 1]);
  });

  test('the executor claims its fees once the audit window has closed', async () => {
    const bob = keyring.addFromUri('//Bob');
    await waitFor('the audit window to close', async () => (await api.query.poc.currentEpoch()).toNumber() >= settled.epoch.toNumber() + 2, { timeoutMs: 150_000, intervalMs: 1_000 });
    const claimed = await send(api.tx.inference.claimFees(), bob, 'Bob claims his fees');
    const amount = claimed.find(({ event }) => api.events.inference.FeesClaimed.is(event)).event.data.amount.toBigInt();
    assert.ok(amount >= cost - cost / 5n, `Bob is paid his 80% (${amount}):\n${tail(node.log())}`);
  });
});
