// The Sprint end to end (issue #4): a dev sprint-node and four real sprint-worker processes on
// loopback, one CPU thread each — Alice (the dev chain's genesis validator, validating only),
// Bob (honest), Charlie (fakes every even nonce: more than half his leaves) and Dave (honest, but
// his proof server refuses everyone: he must answer the on-chain challenge instead).
//
// Epoch 0: the workers register, search, commit; Alice, the only validator, checks all three.
// Bob is accepted; Alice claims one of Charlie's faked leaves, but a claim is confirmed only by a
// majority that includes two seats besides the claimant, so with one validator Charlie is merely
// rejected (weight zero, no slash); Dave answers Alice's `Unavailable` challenge (every sampled
// index) on chain, Alice votes on the posted leaves, and Dave keeps his weight.
// Epoch 1: Bob's worker hangs at a test hook after 40 leaves of his sprint; it is killed with
// SIGKILL and restarted on the same data directory: it resumes from the leaves on disk, and its
// commitment lands. Paid 3 MB remarks fill the blocks of the validation window, and Dave's
// answers to Alice's epoch-1 challenges still land in time (they have the pool's top priority
// while open). Bob and Dave were accepted in epoch 0, but a secret is committed two epochs
// ahead, so they first sit in epoch 2: in epoch 1 Alice is still alone and Charlie is again
// only rejected.
// Epoch 2: Bob and Dave sit in seats beside Alice: Charlie, checked by all three, is caught —
// his faked leaf confirmed by three seats, slashed 20%, jailed — and Bob and Dave are accepted
// again, each checked by Alice and the other host. Every validator revealed its secret (with a
// verdict, or alone when it held no seat), so nobody forfeits anything.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, stopAll, tail, waitFor } from './lib/node.js';
import { startWorker, stopWorkers, workerBinary } from './lib/worker.js';

const SPR = 10n ** 9n;
const BOND = 1_000n * SPR;

describe('the Sprint with real workers', () => {
  let node;
  let api;
  const workers = {};
  const accounts = {};

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    for (const name of ['Alice', 'Bob', 'Charlie', 'Dave']) accounts[name] = keyring.addFromUri(`//${name}`).address;
    node = await startNode({ name: 'sprint', args: ['--dev', '--tmp', '--dev-block-time', '700'] });
    api = await node.api();
    [workers.alice, workers.bob, workers.charlie, workers.dave] = await Promise.all([
      startWorker({ node, name: 'Alice', args: ['--validator-only', '--dev-secret', 'Alice'] }),
      startWorker({ node, name: 'Bob', args: ['--test-pause-after-leaves', '1:40'] }),
      startWorker({ node, name: 'Charlie', args: ['--test-fake-leaves'] }),
      startWorker({ node, name: 'Dave', args: ['--test-withhold-proofs'] }),
    ]);
  });

  after(async () => {
    await stopWorkers();
    await stopAll();
    for (const w of Object.values(workers)) w.cleanup();
  });

  const logs = () => Object.entries(workers).map(([n, w]) => `--- ${n}\n${tail(w.log(), 25)}`).join('\n') + `\n--- node\n${tail(node.log(), 10)}`;
  const held = async (who) => (await api.query.balances.holds(who)).reduce((s, h) => s + h.amount.toBigInt(), 0n);
  const tallied = (epoch) => waitFor(`the tally of epoch ${epoch}`, async () => (await api.query.poc.tallyStatus(epoch)).unwrapOr(null)?.stage.toString() === 'Done', { timeoutMs: 150_000, intervalMs: 500 })
    .catch((e) => { throw new Error(`${e.message}\n${logs()}`); });

  test('honest hosts are accepted, a cheater with one validator is only rejected, a withholding host that answers keeps its weight', async () => {
    await tallied(0);
    const outcome = async (who) => (await api.query.poc.outcomes(0, who)).unwrapOr(null)?.outcome.toString();
    assert.equal(await outcome(accounts.Bob), 'Accepted', logs());
    assert.ok((await api.query.poc.acceptedWeights(0, accounts.Bob)).unwrap().toBigInt() > 0n);
    const ledger = (await api.query.emission.ledgers(accounts.Bob)).unwrap();
    assert.ok(ledger.buckets.reduce((s, b) => s + b.amount.toBigInt(), 0n) > 0n, 'Bob\'s reward is vesting');
    assert.equal(await held(accounts.Bob), BOND, 'the honest host keeps its whole bond');

    const charlieSeats = (await api.query.poc.seats(0, accounts.Charlie)).unwrap();
    assert.equal(charlieSeats.length, 1, 'one validator');
    assert.ok(charlieSeats[0].verdict.isFraudClaim, 'Alice claims a faked leaf');
    assert.equal(await outcome(accounts.Charlie), 'Rejected', 'the claimant alone cannot confirm its claim');
    assert.ok((await api.query.poc.acceptedWeights(0, accounts.Charlie)).isNone, 'the cheater\'s weight is zero');
    assert.equal(await held(accounts.Charlie), BOND, 'no slash without two confirming seats besides the claimant');

    const daveSeat = (await api.query.poc.seats(0, accounts.Dave)).unwrap()[0];
    assert.ok(daveSeat.verdict.isUnavailable && daveSeat.verdict.asUnavailable.answer.isSome, 'Dave was challenged and answered on chain');
    assert.ok(daveSeat.verdict.asUnavailable.indices.length > 1, 'the challenge names every sampled index');
    assert.ok(daveSeat.votes.some(([voter, bad]) => voter.toNumber() === 0 && bad.isNone), 'Alice voted on the leaves posted for her challenge');
    assert.ok((await api.query.poc.forfeited(0, accounts.Alice)).isNone, 'Alice did all her seats\' work');
    assert.equal(await held(accounts.Alice), BOND, 'the genesis validator\'s bond, held from genesis, is intact');
    assert.equal(await outcome(accounts.Dave), 'Accepted', logs());
    assert.ok((await api.query.poc.acceptedWeights(0, accounts.Dave)).unwrap().toBigInt() > 0n, 'answering the challenge kept Dave\'s weight');

    // Each host's worker says in one line what the chain decided, and why.
    const said = (worker, pattern) => waitFor(`${worker.name}'s outcome line`, () => worker.log().match(pattern), { timeoutMs: 30_000 })
      .catch((e) => { throw new Error(`${e.message}\n${logs()}`); });
    const daveWeight = (await api.query.poc.acceptedWeights(0, accounts.Dave)).unwrap().toString();
    await said(workers.dave, new RegExp(`epoch 0: Accepted — \\d+ leaves committed, weight ${daveWeight}, reward \\d+\\.\\d{3} SPR \\(vesting\\); 1 seat: 0 Valid, 1 challenged`));
    await said(workers.charlie, /epoch 0: Rejected — 1 seat: 0 Valid, 1 fraud claim: acceptance needs/);

    // Their Prometheus metrics say the same (a scrape as Prometheus does it).
    const scrape = async (worker) => {
      const response = await fetch(worker.metricsUrl, { signal: AbortSignal.timeout(5_000) });
      assert.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      const value = (name) => {
        const line = text.split('\n').find((l) => l.startsWith(`${name} `));
        return line === undefined ? undefined : Number(line.split(' ').pop());
      };
      return { text, value };
    };
    // A worker counts an outcome when it reports it, on its next look at the chain after the
    // tally: wait for that, as for the lines above.
    const counted = (worker, outcome) => waitFor(`${worker.name}'s metrics to count an ${outcome} epoch`, async () => {
      const scraped = await scrape(worker);
      return scraped.value(`sprint_worker_outcomes_total{outcome="${outcome}"}`) >= 1 && scraped;
    }, { timeoutMs: 30_000 });
    const bob = await counted(workers.bob, 'accepted');
    assert.ok(bob.value('sprint_worker_nonces_total') > 0 && bob.value('sprint_worker_leaves_total') > 0, bob.text);
    assert.ok(bob.value('sprint_worker_nonces_per_second') > 0, bob.text);
    assert.ok(bob.value('sprint_worker_commits_total') >= 1, bob.text);
    assert.ok(bob.value('sprint_worker_proofs_served_total') >= 1, 'Alice fetched Bob\'s openings');
    assert.ok(bob.value('sprint_worker_outcomes_total{outcome="accepted"}') >= 1, bob.text);
    assert.ok(bob.value('sprint_worker_epoch') >= 1, bob.text);
    const alice = await scrape(workers.alice);
    assert.ok(alice.value('sprint_worker_verdicts_total{kind="valid"}') >= 1, alice.text);
    assert.ok(alice.value('sprint_worker_verdicts_total{kind="fraud"}') >= 1, 'Alice claimed Charlie\'s faked leaf');
    assert.ok(alice.value('sprint_worker_verdicts_total{kind="unavailable"}') >= 1, 'Alice challenged Dave');
    assert.equal(alice.value('sprint_worker_commits_total'), 0, 'a validator-only worker commits nothing');
    const dave = await scrape(workers.dave);
    assert.ok(dave.value('sprint_worker_challenges_answered_total') >= 1, dave.text);
    assert.equal(dave.value('sprint_worker_proofs_served_total'), 0, 'Dave\'s proof server refuses everyone');
    const charlie = await counted(workers.charlie, 'rejected');
    assert.ok(charlie.value('sprint_worker_outcomes_total{outcome="rejected"}') >= 1, charlie.text);

    // `sprint-worker status` reads the same from the chain, as JSON or as a table.
    const status = (...args) => spawnSync(workerBinary(), ['status', '--node', node.url, ...args], { encoding: 'utf8', timeout: 30_000 });
    const json = status('--key-file', join(workers.bob.dir, 'keys.json'), '--json');
    assert.equal(json.status, 0, json.stderr);
    const bobStatus = JSON.parse(json.stdout);
    assert.equal(bobStatus.account, accounts.Bob);
    assert.equal(bobStatus.registered, true);
    assert.equal(BigInt(bobStatus.host_bond), BOND);
    const line = bobStatus.epochs.find((e) => e.epoch === 0);
    assert.equal(line.outcome, 'Accepted', json.stdout);
    assert.equal(BigInt(line.accepted_weight), (await api.query.poc.acceptedWeights(0, accounts.Bob)).unwrap().toBigInt());
    const bobLedger = (await api.query.emission.ledgers(accounts.Bob)).unwrap();
    const credited = bobLedger.vested.toBigInt() + bobLedger.buckets.reduce((s, b) => s + b.amount.toBigInt(), 0n);
    assert.equal(BigInt(line.reward), credited, 'the reward shown is the one credited');
    assert.equal(BigInt(bobStatus.rewards_claimable) + BigInt(bobStatus.rewards_vesting), credited, 'all of it claimable or vesting');
    const table = status('--account', accounts.Charlie);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /^\s+0\s+\d+\s+Rejected\s+0\s+0\.000 SPR\s+0\s+1 seat: 0 Valid, 1 fraud claim$/m, table.stdout);
    const unreachable = spawnSync(workerBinary(), ['status', '--node', 'ws://127.0.0.1:9', '--account', accounts.Bob], { encoding: 'utf8', timeout: 60_000 });
    assert.notEqual(unreachable.status, 0);
    assert.match(unreachable.stderr, /cannot reach sprint-node at ws:\/\/127\.0\.0\.1:9: is it running/);
  });

  test('a worker killed with SIGKILL mid-sprint resumes from its leaves on disk and its commitment lands', async () => {
    const bob = workers.bob;
    await waitFor('Bob\'s worker to reach the test hook in epoch 1', () => bob.log().includes('paused after 40 leaves in epoch 1'), { timeoutMs: 120_000, intervalMs: 200 })
      .catch((e) => { throw new Error(`${e.message}\n${logs()}`); });
    assert.equal((await api.call.pocApi.epochStatus()).unwrap().phase.toString(), 'Generation', 'killed inside the sprint');
    await bob.kill('SIGKILL');
    workers.bob = await bob.restart();
    await waitFor('Bob\'s epoch-1 commitment', async () => (await api.query.poc.commitments(1, accounts.Bob)).isSome, { timeoutMs: 60_000, intervalMs: 300 })
      .catch((e) => { throw new Error(`${e.message}\n${logs()}`); });
    assert.match(workers.bob.log(), /epoch 1: resuming at nonce \d+, \d+ leaves on disk/);
    const count = (await api.query.poc.commitments(1, accounts.Bob)).unwrap().count.toNumber();
    assert.ok(count >= 40, `the leaves found before the kill are committed (${count})`);
  });

  test('while paid 3 MB remarks fill the blocks of epoch 1\'s validation window, the challenged host\'s answers still land', async () => {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const flooders = [keyring.addFromUri('//Eve'), keyring.addFromUri('//Ferdie')];
    await waitFor('epoch 1\'s validation window', async () => {
      const status = (await api.call.pocApi.epochStatus()).unwrap();
      return status.epoch.toNumber() === 1 && status.phase.toString() === 'Validation';
    }, { timeoutMs: 60_000, intervalMs: 200 }).catch((e) => { throw new Error(`${e.message}\n${logs()}`); });
    // Two remarks per sender, each most of a block's normal-class length (3.75 MiB).
    const remark = api.tx.system.remark(`0x${'07'.repeat(3_000_000)}`);
    const noncesBefore = await Promise.all(flooders.map(async (f) => (await api.rpc.system.accountNextIndex(f.address)).toNumber()));
    for (let i = 0; i < 2; i += 1) {
      for (const [k, f] of flooders.entries()) await remark.signAndSend(f, { nonce: noncesBefore[k] + i });
    }
    const daveAnswered = async () => {
      const seats = (await api.query.poc.seats(1, accounts.Dave)).unwrap();
      const challenges = seats.filter((s) => s.verdict.isUnavailable);
      return challenges.length > 0 && challenges.every((s) => s.verdict.asUnavailable.answer.isSome);
    };
    await waitFor('Dave\'s answers to the epoch-1 challenges', daveAnswered, { timeoutMs: 60_000, intervalMs: 300 })
      .catch((e) => { throw new Error(`${e.message}\n${logs()}`); });
    const status = (await api.call.pocApi.epochStatus()).unwrap();
    assert.ok(status.epoch.toNumber() === 1 && ['Validation', 'Answer'].includes(status.phase.toString()), 'answered in time');
    await waitFor('the remarks to be included', async () => {
      const nonces = await Promise.all(flooders.map(async (f) => (await api.query.system.account(f.address)).nonce.toNumber()));
      return nonces.every((n, k) => n >= noncesBefore[k] + 2);
    }, { timeoutMs: 60_000, intervalMs: 300 });
  });

  test('in epoch 1 the accepted hosts have no secret yet: Alice still checks alone, and the cheater is only rejected', async () => {
    await tallied(1);
    for (const who of [accounts.Bob, accounts.Charlie, accounts.Dave]) {
      const seats = (await api.query.poc.seats(1, who)).unwrap();
      assert.deepEqual(seats.map((s) => s.validator.toString()), [accounts.Alice], 'Bob and Dave commit secrets two epochs ahead: none for epoch 1');
    }
    assert.equal((await api.query.poc.outcomes(1, accounts.Charlie)).unwrap().outcome.toString(), 'Rejected', logs());
    for (const who of [accounts.Bob, accounts.Dave]) {
      assert.equal((await api.query.poc.outcomes(1, who)).unwrap().outcome.toString(), 'Accepted', logs());
      assert.ok((await api.query.poc.secretCommitments(2, who)).isSome, 'committed for epoch 2 during epoch 0');
    }
  });

  test('in epoch 2 the accepted hosts sit in each other\'s seats and catch the cheater, and both are accepted again', async () => {
    await tallied(2);
    const charlieSeats = (await api.query.poc.seats(2, accounts.Charlie)).unwrap();
    assert.deepEqual(charlieSeats.map((s) => s.validator.toString()).sort(), [accounts.Alice, accounts.Bob, accounts.Dave].sort());
    assert.equal((await api.query.poc.outcomes(2, accounts.Charlie)).unwrap().outcome.toString(), 'Fraud', logs());
    assert.equal(await held(accounts.Charlie), BOND - BOND / 5n, '20% of the cheater\'s collateral is slashed');
    assert.ok((await api.query.collateral.jailedUntil(accounts.Charlie)).isSome, 'the cheater is jailed');
    await waitFor('Charlie\'s worker to report the fraud', () => /epoch 2: Fraud — a bad leaf/.test(workers.charlie.log()), { timeoutMs: 30_000 })
      .catch((e) => { throw new Error(`${e.message}\n${logs()}`); });
    const validators = async (who) => (await api.query.poc.seats(2, who)).unwrap().map((s) => s.validator.toString()).sort();
    assert.deepEqual(await validators(accounts.Bob), [accounts.Alice, accounts.Dave].sort(), 'Dave (a host) checks Bob');
    assert.deepEqual(await validators(accounts.Dave), [accounts.Alice, accounts.Bob].sort(), 'Bob (a host) checks Dave');
    for (const who of [accounts.Bob, accounts.Dave]) {
      assert.equal((await api.query.poc.outcomes(2, who)).unwrap().outcome.toString(), 'Accepted', logs());
      assert.ok((await api.query.poc.acceptedWeights(2, who)).unwrap().toBigInt() > 0n);
      assert.ok((await api.query.poc.forfeited(2, who)).isNone, 'every seat of theirs voted and revealed: no reward forfeited');
    }
    for (const epoch of [0, 1, 2]) {
      assert.ok((await api.query.poc.forfeited(epoch, accounts.Alice)).isNone, `Alice revealed her epoch-${epoch} secret`);
    }
    assert.equal(await held(accounts.Alice), BOND, 'no seat penalty ever reached the genesis validator');
    for (const name of ['alice', 'bob', 'dave']) {
      const failed = workers[name].log().split('\n').filter((l) => /failed on chain|was not included/.test(l));
      const story = workers[name].log().split('\n').filter((l) => /sent|finalized|failed|waiting|not included|resuming/.test(l)).join('\n');
      assert.deepEqual(failed, [], `${name}'s worker never sent a call twice or one that failed:\n${story}`);
    }
  });
});
