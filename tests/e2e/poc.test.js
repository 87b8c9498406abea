// One PoC epoch on the dev node, driven by @polkadot/api with hand-built commitments and openings
// (docs/protocol.md §4): Bob and Charlie register as hosts and commit; Alice, the dev chain's genesis
// validator, sits in both their seats, reveals her dev secret, says `Valid` for Bob and submits a
// signed opening of Charlie's whose path does not lead to his root — fraud that proves itself.
// After the tally: Bob's weight is accepted and his reward vests; Charlie's weight is zero, his
// collateral is 20% lower and he is jailed.
//
// The tree and the signing payload are built here from their definitions, as a dApp or another
// worker implementation would: blake2-256 with domain tags, SCALE by hand.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';
import { compactToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { startNode, stopAll, tail, waitFor } from './lib/node.js';
import { send } from './lib/tx.js';

const SPR = 10n ** 9n;
const BOND = 1_000n * SPR;

const blake2 = (...parts) => blake2AsU8a(u8aConcat(...parts), 256);
const u32le = (n) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
const u64le = (n) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(n), true); return b; };

// sprint_primitives::merkle, re-implemented from its docs.
const leafHash = (nonce, digest) => blake2(stringToU8a('sprint/leaf'), u64le(nonce), digest);
const nodeHash = (l, r) => blake2(stringToU8a('sprint/node'), l, r);
const EMPTY = blake2(stringToU8a('sprint/empty'));

function buildTree(leaves) {
  const width = 1 << Math.ceil(Math.log2(Math.max(leaves.length, 1)));
  let level = leaves.map(({ nonce, digest }) => leafHash(nonce, digest));
  while (level.length < width) level.push(EMPTY);
  const levels = [level];
  while (level.length > 1) {
    const up = [];
    for (let i = 0; i < level.length; i += 2) up.push(nodeHash(level[i], level[i + 1]));
    levels.push(up);
    level = up;
  }
  const root = blake2(stringToU8a('sprint/root'), u32le(leaves.length), level[0]);
  const path = (index) => levels.slice(0, -1).map((lv, depth) => lv[(index >> depth) ^ 1]);
  return { root, count: leaves.length, path, leaves };
}

/** `count` leaves with digests below the dev target (first byte < 0x0f). */
function sprintOf(name, count) {
  const leaves = [];
  for (let i = 0; i < count; i++) {
    const digest = blake2(stringToU8a(`${name}/${i}`));
    digest[0] &= 0x07;
    leaves.push({ nonce: 5 * i + 2, digest });
  }
  return buildTree(leaves);
}

// SCALE of pallet_poc::Opening: index u32, leaf (nonce u64, digest), path Vec<H256>, next Option.
const encodeLeaf = ({ nonce, digest }) => u8aConcat(u64le(nonce), digest);
const encodePath = (path) => u8aConcat(compactToU8a(path.length), ...path);
function encodeOpening(o) {
  const next = o.next ? u8aConcat(new Uint8Array([1]), encodeLeaf(o.next.leaf), encodePath(o.next.path)) : new Uint8Array([0]);
  return u8aConcat(u32le(o.index), encodeLeaf(o.leaf), encodePath(o.path), next);
}

function openingOf(tree, index) {
  const next = index + 1 < tree.count ? { leaf: tree.leaves[index + 1], path: tree.path(index + 1) } : null;
  return { index, leaf: tree.leaves[index], path: tree.path(index), next };
}

/** SCALE(("sprint/opening", genesis_hash, epoch, host, root, count, opening)), signed by `key`. */
function signOpening(key, genesisHash, epoch, host, tree, opening) {
  const tag = stringToU8a('sprint/opening');
  const payload = u8aConcat(compactToU8a(tag.length), tag, genesisHash, u32le(epoch), host, tree.root, u32le(tree.count), encodeOpening(opening));
  return key.sign(payload);
}

const asCallOpening = (o) => ({
  index: o.index,
  leaf: { nonce: o.leaf.nonce, digest: u8aToHex(o.leaf.digest) },
  path: o.path.map((h) => u8aToHex(h)),
  next: o.next ? [{ nonce: o.next.leaf.nonce, digest: u8aToHex(o.next.leaf.digest) }, o.next.path.map((h) => u8aToHex(h))] : null,
});

/** index_{j,t} = H(secret ‖ P ‖ root ‖ count ‖ j ‖ t) mod count (SCALE: raw bytes, u32 LE). */
function sampleIndices(secret, participant, tree, seat, samples) {
  const out = [];
  for (let t = 0; t < samples; t++) {
    const h = blake2(secret, participant, tree.root, u32le(tree.count), u32le(seat), u32le(t));
    out.push(Number(new DataView(h.buffer, h.byteOffset, 8).getBigUint64(0, true) % BigInt(tree.count)));
  }
  return out;
}

describe('a PoC epoch on the dev node with hand-built openings', () => {
  let node;
  let api;
  let keyring;

  before(async () => {
    await cryptoWaitReady();
    node = await startNode({ name: 'poc', args: ['--dev', '--tmp', '--dev-block-time', '700'] });
    api = await node.api();
    keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  });

  after(async () => {
    await stopAll();
  });

  const phase = async () => (await api.call.pocApi.epochStatus()).unwrap().phase.toString();
  const waitPhase = (name) => waitFor(`phase ${name}`, async () => (await phase()) === name, { timeoutMs: 60_000, intervalMs: 200 });

  test('hosts commit, the genesis validator checks them, and the tally accepts the honest one and slashes the cheater', async () => {
    const alice = keyring.addFromUri('//Alice');
    const bob = keyring.addFromUri('//Bob');
    const charlie = keyring.addFromUri('//Charlie');
    const proofKeys = { bob: keyring.addFromUri('//Bob//proof'), charlie: keyring.addFromUri('//Charlie//proof') };
    const genesisHash = api.genesisHash.toU8a();
    const status = (await api.call.pocApi.epochStatus()).unwrap();
    assert.equal(status.epoch.toNumber(), 0);
    assert.equal(status.phase.toString(), 'Generation', `the test starts in epoch 0's sprint:\n${tail(node.log())}`);

    // Alice is the dev chain's genesis validator with an epoch-0 commitment to her dev secret.
    const secret = blake2(stringToU8a('//Alice//sprint-secret//0'));
    assert.equal((await api.query.poc.secretCommitments(0, alice.address)).unwrap().toHex(), u8aToHex(blake2(secret)));
    assert.deepEqual((await api.query.poc.genesisValidators()).map((a) => a.toString()), [alice.address]);

    await Promise.all([
      send(api.tx.poc.registerHost(proofKeys.bob.publicKey, 'http://127.0.0.1:1', 'e2e'), bob, 'Bob registers'),
      send(api.tx.poc.registerHost(proofKeys.charlie.publicKey, 'http://127.0.0.1:2', 'e2e'), charlie, 'Charlie registers'),
    ]);

    const trees = { bob: sprintOf('bob', 24), charlie: sprintOf('charlie', 9) };
    await waitPhase('Commit');
    await Promise.all([
      send(api.tx.poc.commit(0, trees.bob.root, trees.bob.count), bob, 'Bob commits'),
      send(api.tx.poc.commit(0, trees.charlie.root, trees.charlie.count), charlie, 'Charlie commits'),
    ]);
    assert.equal((await api.query.poc.commitments(0, bob.address)).unwrap().count.toNumber(), 24);

    await waitPhase('Validation');
    await waitFor('seats drawn', async () => (await api.query.poc.seats(0, charlie.address)).isSome, { timeoutMs: 10_000 });
    for (const host of [bob, charlie]) {
      const seats = (await api.query.poc.seats(0, host.address)).unwrap();
      assert.deepEqual(seats.map((s) => s.validator.toString()), [alice.address], 'Alice stands in alone');
      assert.equal((await api.query.poc.assignments(0, alice.address, host.address)).unwrap().toNumber(), 0);
    }

    const assigned = (await api.call.pocApi.assignments(0, alice.address)).map(([p, seat]) => [p.toString(), seat.toNumber()]);
    assert.deepEqual(assigned.sort(), [[bob.address, 0], [charlie.address, 0]].sort(), 'the runtime API lists whom Alice checks');
    assert.deepEqual((await api.call.pocApi.seats(0, bob.address)).map((a) => a.toString()), [alice.address]);

    // Charlie signed an opening whose path is wrong: it proves fraud without any vote.
    const index = sampleIndices(secret, charlie.addressRaw, trees.charlie, 0, 32)[0];
    const bad = openingOf(trees.charlie, index);
    bad.path = [new Uint8Array(32).fill(9), ...bad.path.slice(1)];
    const signature = signOpening(proofKeys.charlie, genesisHash, 0, charlie.addressRaw, trees.charlie, bad);
    const aliceFreeBefore = (await api.query.system.account(alice.address)).data.free.toBigInt();
    const events = await send(api.tx.poc.submitVerdicts(0, u8aToHex(secret), [
      [bob.address, 'Valid'],
      [charlie.address, { Fraud: { opening: asCallOpening(bad), signature: u8aToHex(signature) } }],
    ]), alice, 'Alice submits her verdicts');
    const verdicts = events.filter(({ event }) => api.events.poc.VerdictSubmitted.is(event)).map(({ event }) => event.data.verdict.toString());
    assert.deepEqual(verdicts, ['Valid', 'ProvenFraud']);
    const success = events.find(({ event }) => api.events.system.ExtrinsicSuccess.is(event));
    assert.equal(success.event.data.dispatchInfo.paysFee.toString(), 'No', 'a successful verdict chunk is free');
    assert.equal((await api.query.system.account(alice.address)).data.free.toBigInt(), aliceFreeBefore);

    await waitFor('the tally of epoch 0', async () => (await api.query.poc.tallyStatus(0)).unwrapOr(null)?.stage.toString() === 'Done', { timeoutMs: 60_000, intervalMs: 250 });

    assert.equal((await api.query.poc.outcomes(0, bob.address)).unwrap().outcome.toString(), 'Accepted');
    assert.equal((await api.query.poc.acceptedWeights(0, bob.address)).unwrap().toNumber(), 24);
    assert.equal((await api.call.pocApi.acceptedWeight(0, bob.address)).unwrap().toNumber(), 24);
    const ledger = (await api.query.emission.ledgers(bob.address)).unwrap();
    const vesting = ledger.buckets.reduce((sum, b) => sum + b.amount.toBigInt(), 0n);
    assert.ok(vesting > 0n, 'Bob\'s reward is vesting in the emission pot');
    const bobHeld = (await api.query.balances.holds(bob.address)).reduce((s, h) => s + h.amount.toBigInt(), 0n);
    assert.equal(bobHeld, BOND, 'the honest host keeps its whole bond');

    assert.equal((await api.query.poc.outcomes(0, charlie.address)).unwrap().outcome.toString(), 'Fraud');
    assert.ok((await api.query.poc.acceptedWeights(0, charlie.address)).isNone, 'the cheater\'s weight is zero');
    const charlieHeld = (await api.query.balances.holds(charlie.address)).reduce((s, h) => s + h.amount.toBigInt(), 0n);
    assert.equal(charlieHeld, BOND - BOND / 5n, '20% of the cheater\'s collateral is slashed');
    assert.ok((await api.query.collateral.jailedUntil(charlie.address)).isSome, 'the cheater is jailed');
  });
});
