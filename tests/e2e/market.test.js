// The inference market end to end with the clients its users have (docs/protocol.md §7): @polkadot/api
// for the chain, the unmodified `openai` Python package for answers.
//
// On the dev node, governance (sudo) registers SmolLM2 by its file's sha256; Charlie funds a
// deposit and four API keys (one he revokes, one with a tiny cap, one with a price cap under the
// price). Two real workers: Bob, a host serving the model (executor, on wind power), and Alice,
// the dev validator (transfer agent and auditor). The openai SDK talks to Alice's API with
// Charlie's key as Bearer token: a chat completion padded with an unknown field to just under the
// 256 KiB payload limit (the ticket covers only the canonical request, so its payload stays
// fetchable) and a streamed one (asking for carbon-free power) are signed as tickets by Alice,
// answered by Bob, settled by Bob in a batch — Charlie's deposit falls by exactly what the
// batches charged (inference.Charged names him) for exactly the tokens the SDK reported, the
// community fund gets its 20% at once. A revoked key gets OpenAI's 401, an exhausted one 429
// `insufficient_quota`, one priced out 402 `price_above_cap`, a body over the payload limit 400
// `payload_too_large`. In the
// next epoch Alice, whose draw covers every receipt (low traffic, all the power), fetches Bob's
// signed payloads, replays them exactly and submits Pass.
//
// Bob's engine runs on the GPU path (lavapipe on CI) and Alice audits on the CPU: same bits, so
// his answers pass.
//
// Then Bob is killed (SIGKILL) in the middle of a streamed answer: the two answers he had
// completed just before still settle once he restarts (each receipt is on disk before its
// answer's last chunk leaves), and the ticket he accepted and dropped is reported by Alice's
// transfer agent two epochs later: a missed ticket, below min_missed, so no downtime slash.
//
// Then Dave joins as an executor who cheats (a hidden test flag: his receipts commit to an
// output with one token swapped), declaring so much capacity that the transfer agent sends him
// the next answers. His receipts settle; in the next epoch an auditor's replay differs at that
// token and it submits Fail with Dave's own signature over the payload. Dave serves each payload
// once only, to the first auditor that asks, and withholds it from the re-run voters: the auditor
// posts it on chain, where a re-run seat (Bob, whose PoC work was accepted, or Alice) reads it,
// replays it too and confirms: fraud — Charlie is refunded, Dave is slashed and jailed. Bob now never submits the audits his draws give him
// (a hidden test flag; he still votes): Alice reports them as missed audits.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { compactAddLength, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { freePort, startNode, stopAll, tail, waitFor } from './lib/node.js';
import { send } from './lib/tx.js';
import { startWorker, stopWorkers, workerBinary } from './lib/worker.js';

const SPR = 10n ** 9n;
const PRICE = 1_000n;
const MODEL = 'SmolLM2-135M-Instruct.Q4_1';
const modelPath = join(process.env.SPRINT_MODELS ?? join(homedir(), '.cache/sprint-models'), `${MODEL}.gguf`);
const python = process.env.SPRINT_PYTHON ?? join(homedir(), '.cache/sprint-venv/bin/python');
const tag = (text) => compactAddLength(stringToU8a(text));

describe('the inference market with the openai SDK', () => {
  let node;
  let api;
  let alice;
  let bob;
  let bobArgs;

  // The openai package (Python) as a requester: see lib/openai_market.py.
  const runClient = (job, logs) => new Promise((resolve, reject) => {
    execFile(python, [join(import.meta.dirname, 'lib/openai_market.py'), JSON.stringify(job)], { timeout: 400_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`the openai client failed: ${error.message}\n${stderr}\n${logs()}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
  // A chat completion through Alice's transfer agent, as plain HTTP.
  const chat = (body, key = '//Charlie//api') => fetch(`${alice.apiBase}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Count from one to one hundred.' }], ...body }),
  });
  // Collects the chain's events of one kind while `during` runs.
  const watch = async (isKind) => {
    const seen = [];
    const unsubscribe = await api.query.system.events((events) => {
      for (const { event } of events) if (isKind(event)) seen.push(event.data);
    });
    return { seen, stop: unsubscribe };
  };

  before(async () => {
    await cryptoWaitReady();
    node = await startNode({ name: 'market', args: ['--dev', '--tmp', '--dev-block-time', '700'] });
    api = await node.api();
  });

  after(async () => {
    await stopWorkers();
    await stopAll();
  });

  test('answers are ticketed, settled and paid for exactly; bad keys get OpenAI errors; the auditor passes them', async () => {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const sudoer = keyring.addFromUri('//Alice');
    const charlie = keyring.addFromUri('//Charlie');
    const genesis = api.genesisHash.toU8a();
    const sha = createHash('sha256').update(readFileSync(modelPath)).digest();

    await send(api.tx.sudo.sudo(api.tx.inference.registerModel({
      name: MODEL, fileSha256: u8aToHex(sha), architecture: 'llama', contextLength: 8192,
      engineRecipe: 1, computeUnitsPerToken: 1, initialPrice: PRICE,
    })), sudoer, 'governance registers the model');
    await send(api.tx.inference.deposit(100n * SPR), charlie, 'Charlie deposits');
    const addKey = async (uri, cap, priceCap = 10_000n) => {
      const key = keyring.addFromUri(uri);
      const proof = key.sign(u8aConcat(tag('sprint/api-key'), charlie.addressRaw, compactAddLength(genesis)));
      await send(api.tx.inference.addApiKey(key.publicKey, cap, priceCap, 1_000_000, u8aToHex(proof)), charlie, `Charlie adds ${uri}`);
      return key;
    };
    await addKey('//Charlie//api', 10n * SPR);
    const revoked = await addKey('//Charlie//revoked', 10n * SPR);
    await send(api.tx.inference.revokeApiKey(revoked.publicKey), charlie, 'Charlie revokes a key');
    await addKey('//Charlie//tiny', 1n);
    await addKey('//Charlie//cheap', 10n * SPR, 1n);

    const [alicePort, bobPort] = [await freePort(), await freePort()];
    // Bob's engine runs on the GPU path (Mesa's lavapipe here), Alice audits on the CPU.
    bobArgs = ['--inference', '--api-listen', `127.0.0.1:${bobPort}`, '--energy', 'wind', '--region', 'DE', '--capacity', '40',
      '--inference-backend', 'gpu', '--inference-gpu-context', '512'];
    [alice, bob] = await Promise.all([
      startWorker({ node, name: 'Alice', args: ['--validator-only', '--dev-secret', 'Alice', '--inference', '--api-listen', `127.0.0.1:${alicePort}`] }),
      startWorker({ node, name: 'Bob', args: bobArgs }),
    ]);
    alice.apiBase = `http://127.0.0.1:${alicePort}/v1`;
    // The adapter is named in the log, so that a silent fallback to the CPU cannot hide.
    assert.match(bob.log(), /on the GPU: .*\((Vulkan|Gl|Metal|Dx12)/, `Bob's engine is on a GPU adapter:\n${tail(bob.log())}`);
    const bobAccount = keyring.addFromUri('//Bob').address;
    await waitFor('Bob to declare his service', async () => {
      if (bob.exited) throw new Error(`Bob's worker exited:\n${tail(bob.log())}`);
      return (await (await api.at(await api.rpc.chain.getFinalizedHead())).query.inference.services(bobAccount)).isSome;
    }, { timeoutMs: 90_000, intervalMs: 700 });

    const settled = await watch((e) => api.events.inference.Settled.is(e));
    const settledEvents = settled.seen;
    const charged = await watch((e) => api.events.inference.Charged.is(e));
    const held = async (who) => (await api.query.balances.holds(who)).reduce((s, h) => s + h.amount.toBigInt(), 0n);
    const heldBefore = await held(charlie.address);

    const job = {
      base_url: `http://127.0.0.1:${alicePort}/v1`, model: MODEL, key: '//Charlie//api',
      revoked_key: '//Charlie//revoked', exhausted_key: '//Charlie//tiny', cheap_key: '//Charlie//cheap',
    };
    const result = await runClient(job, () => `Alice:\n${tail(alice.log())}\nBob:\n${tail(bob.log())}`);
    assert.ok(result.plain.completion_tokens > 0 && result.plain.completion_tokens <= 8, JSON.stringify(result.plain));
    assert.ok(result.streamed.text.length > 0, 'the streamed answer has text');
    assert.equal(result.errors.revoked.status, 401, JSON.stringify(result.errors.revoked));
    assert.equal(result.errors.revoked.code, 'invalid_api_key');
    assert.equal(result.errors.garbage.status, 401);
    assert.equal(result.errors.exhausted.status, 429, JSON.stringify(result.errors.exhausted));
    assert.equal(result.errors.exhausted.code, 'insufficient_quota');
    // A body over the market's 256 KiB payload limit is refused before anything is signed.
    assert.equal(result.errors.oversized.status, 400, JSON.stringify(result.errors.oversized));
    assert.equal(result.errors.oversized.code, 'payload_too_large');
    // A price cap under the price in force is no quota to wait for: its own code, not retried.
    assert.equal(result.errors.cheap.status, 402, JSON.stringify(result.errors.cheap));
    assert.equal(result.errors.cheap.code, 'price_above_cap');
    assert.match(result.errors.cheap.message, /planck per token now/);

    const tokens = BigInt(result.plain.prompt_tokens + result.plain.completion_tokens
      + result.streamed.prompt_tokens + result.streamed.completion_tokens);
    // Prompts are private: Bob serves a payload only to a signed request of a validator auditing
    // it (Alice's auditor signs hers) or a juror of its dispute.
    const unsigned = await fetch(`http://127.0.0.1:${bobPort}/v1/sprint/payloads/0/${'00'.repeat(32)}`);
    assert.equal(unsigned.status, 401, 'an unsigned payload request is refused');
    assert.equal((await unsigned.json()).error.code, 'payload_request_unsigned');
    await waitFor('Bob to settle both receipts', () => settledEvents.reduce((n, e) => n + e.count.toNumber(), 0) >= 2,
      { timeoutMs: 90_000, intervalMs: 500 }).catch((e) => { throw new Error(`${e.message}\nBob:\n${tail(bob.log(), 60)}`); });
    settled.stop();
    const ours = settledEvents.filter((e) => e.executor.toString() === bobAccount);
    const cost = ours.reduce((s, e) => s + e.cost.toBigInt(), 0n);
    assert.equal(ours.reduce((s, e) => s + e.tokens.toBigInt(), 0n), tokens, 'the batches charge exactly the tokens the SDK reported');
    assert.equal(heldBefore - (await held(charlie.address)), cost, 'the deposit falls by exactly what the batches charged');
    charged.stop();
    const charlieAccount = keyring.addFromUri('//Charlie').address;
    const paid = charged.seen.filter((e) => e.owner.toString() === charlieAccount && e.executor.toString() === bobAccount)
      .reduce((s, e) => s + e.cost.toBigInt(), 0n);
    assert.equal(paid, cost, 'the Charged events name Charlie as the payer of exactly that cost');
    assert.ok(cost >= tokens && cost <= tokens * PRICE, `the price charged is within the floor and the registered price (${cost} for ${tokens} tokens)`);
    assert.equal(ours.reduce((s, e) => s + e.fund.toBigInt(), 0n), ours.reduce((s, e) => s + e.cost.toBigInt() / 5n, 0n), 'the community fund gets 20%');

    // The next epoch: Alice reveals her secret, draws both receipts, replays them on the CPU and
    // passes them (Bob answered on the GPU path: same bits). Slow answers may settle in two epochs.
    const epochs = [...new Set(ours.map((e) => e.epoch.toNumber()))];
    await waitFor(`Alice to audit the receipts of epoch(s) ${epochs}`, async () => {
      if (alice.exited) throw new Error(`Alice's worker exited:\n${tail(alice.log())}`);
      let passed = 0;
      for (const e of epochs) {
        const stats = await api.query.audit.stats(e);
        assert.equal(stats.failed.toNumber(), 0, 'an honest executor is never failed');
        passed += stats.passed.toNumber();
      }
      return passed >= 2;
    }, { timeoutMs: 180_000, intervalMs: 1_000 }).catch((e) => { throw new Error(`${e.message}\nAlice:\n${tail(alice.log(), 60)}`); });

    // The traffic shows in the executor's and the auditor's metrics (and so on their dashboards).
    const metric = async (worker, name) => {
      const text = await (await fetch(worker.metricsUrl, { signal: AbortSignal.timeout(5_000) })).text();
      return Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ').pop());
    };
    await waitFor('Alice\'s audits in her metrics', async () => (await metric(alice, 'sprint_worker_inference_audits_total')) >= 1,
      { timeoutMs: 30_000 });
    assert.ok(await metric(bob, 'sprint_worker_inference_answers_total') >= 2, 'Bob\'s answers are counted');
    assert.ok(await metric(bob, 'sprint_worker_inference_tokens_served_total') >= Number(tokens), 'and their tokens');
    assert.ok(await metric(bob, 'sprint_worker_inference_receipts_settled_total') >= 2, 'and his settled receipts');
    // `sprint-worker status` reads the settled answers from the chain, per ticket epoch.
    const status = spawnSync(workerBinary(), ['status', '--node', node.url, '--account', bobAccount, '--json'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(status.status, 0, status.stderr);
    const answered = JSON.parse(status.stdout).epochs.reduce((n, e) => n + e.answers_settled, 0);
    assert.ok(answered >= 2, `status shows Bob's settled answers (${answered})`);
  });

  test('an executor killed mid-stream loses no receipt; the ticket it dropped is reported missed', async (t) => {
    const bobAccount = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Bob').address;
    const settled = await watch((e) => api.events.inference.Settled.is(e) && e.data.executor.toString() === bobAccount);
    const missed = await watch((e) => api.events.inference.TicketMissed.is(e) && e.data.executor.toString() === bobAccount);
    let tokens = 0;
    for (let i = 0; i < 2; i += 1) {
      const r = await chat({ max_tokens: 4, seed: i });
      assert.equal(r.status, 200, await r.clone().text());
      tokens += (await r.json()).usage.total_tokens;
    }
    const stream = await chat({ max_tokens: 400, stream: true });
    assert.equal(stream.status, 200);
    const reader = stream.body.getReader();
    await reader.read();
    const pending = (() => {
      const data = join(bob.dir, 'data');
      return readdirSync(data).map((g) => join(data, g, 'market', 'pending')).filter(existsSync)
        .reduce((n, dir) => n + readdirSync(dir).length, 0);
    })();
    await bob.kill('SIGKILL');
    t.diagnostic(`receipts pending on Bob's disk when he was killed: ${pending}`);
    let rest = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        rest += new TextDecoder().decode(value);
      }
    } catch { /* the connection broke */ }
    assert.ok(!rest.includes('[DONE]'), 'the answer in progress never finishes');

    // Back on the CPU engine (lavapipe replays too slowly for the re-run votes of the next test),
    // and from now on skipping the audits his draws give him.
    bobArgs = bobArgs.filter((a, i, all) => !['--inference-backend', '--inference-gpu-context'].includes(a)
      && !['--inference-backend', '--inference-gpu-context'].includes(all[i - 1]));
    bob = await bob.restart([...bobArgs, '--test-skip-audits']);
    await waitFor('Bob to settle the answers he completed', () => settled.seen.reduce((n, e) => n + e.count.toNumber(), 0) >= 2,
      { timeoutMs: 90_000, intervalMs: 500 }).catch((e) => { throw new Error(`${e.message}\nBob:\n${tail(bob.log(), 60)}`); });
    assert.equal(settled.seen.reduce((n, e) => n + e.tokens.toBigInt(), 0n), BigInt(tokens), 'exactly the completed answers are charged');
    settled.stop();
    await waitFor('Alice to report the ticket Bob dropped', () => missed.seen.length > 0, { timeoutMs: 240_000, intervalMs: 1_000 })
      .catch((e) => { throw new Error(`${e.message}\nAlice:\n${tail(alice.log(), 60)}`); });
    missed.stop();
    assert.equal(missed.seen[0].missed.toNumber(), 1, 'one ticket missed');
    // Revision 4: the downtime slash needs at least min_missed (10) missed tickets, so one
    // dropped answer (a crash, a client leaving) costs an honest host nothing.
    assert.ok(missed.seen[0].slashed.isNone, 'one missed ticket is below min_missed: no downtime slash');
  });

  test('a cheating executor is failed by the audit, confirmed by a re-run, slashed and jailed; the payer is refunded', async () => {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const charlie = keyring.addFromUri('//Charlie');
    const daveAccount = keyring.addFromUri('//Dave').address;
    const davePort = await freePort();
    const dave = await startWorker({ node, name: 'Dave', args: ['--inference', '--api-listen', `127.0.0.1:${davePort}`, '--capacity', '1000000', '--test-inference-cheat'] });
    await waitFor('Dave to declare his service', async () => {
      if (dave.exited) throw new Error(`Dave's worker exited:\n${tail(dave.log())}`);
      return (await (await api.at(await api.rpc.chain.getFinalizedHead())).query.inference.services(daveAccount)).isSome;
    }, { timeoutMs: 90_000, intervalMs: 700 });

    const settled = await watch((e) => api.events.inference.Settled.is(e) && e.data.executor.toString() === daveAccount);
    const settledEvents = settled.seen;
    const punished = await watch((e) => api.events.inference.FraudPunished.is(e) && e.data.executor.toString() === daveAccount);
    const disputed = await watch((e) => api.events.audit.Disputed.is(e) && e.data.executor.toString() === daveAccount);
    const posted = await watch((e) => api.events.audit.PayloadPosted.is(e));
    const resolved = await watch((e) => api.events.audit.Resolved.is(e));
    const job = {
      base_url: alice.apiBase, model: MODEL, key: '//Charlie//api',
      revoked_key: '//Charlie//revoked', exhausted_key: '//Charlie//tiny',
    };
    await runClient(job, () => `Dave:\n${tail(dave.log())}`);
    // More answers, so that both validators' draws surely hit some of Dave's receipts.
    for (let i = 0; i < 10; i += 1) {
      const r = await chat({ max_tokens: 2, seed: 100 + i });
      assert.equal(r.status, 200, await r.text());
    }
    await waitFor('Dave to settle his receipts', () => settledEvents.reduce((n, e) => n + e.count.toNumber(), 0) >= 8,
      { timeoutMs: 120_000, intervalMs: 500 }).catch((e) => { throw new Error(`${e.message}\nDave:\n${tail(dave.log(), 60)}`); });
    settled.stop();
    const epochs = [...new Set(settledEvents.map((e) => e.epoch.toNumber()))];
    const total = async (field) => {
      let sum = 0;
      for (const e of epochs) sum += (await api.query.audit.stats(e))[field].toNumber();
      return sum;
    };

    await waitFor(`the audit of epoch(s) ${epochs} to confirm Dave's fraud`, async () => {
      if (dave.exited) throw new Error(`Dave's worker exited:\n${tail(dave.log())}`);
      return (await total('frauds')) >= 1;
    }, { timeoutMs: 240_000, intervalMs: 1_000 }).catch((e) => {
      throw new Error(`${e.message}\nAlice:\n${tail(alice.log(), 40)}\nBob:\n${tail(bob.log(), 40)}`);
    });
    assert.ok((await total('failed')) >= 1, 'an auditor submitted Fail (not Unavailable): a re-run confirmed it');
    // A Fail's payload, withheld by Dave from the voters, reaches them through the chain: its
    // auditor posts it, and the seat's re-run confirms the fraud.
    const hex = (x) => x.toHex();
    const confirmedThroughChain = () => disputed.seen.filter((d) => d.claim.isFail).filter((d) =>
      posted.seen.some((p) => hex(p.receipt) === hex(d.receipt) && p.by.toString() === d.auditor.toString())
      && resolved.seen.some((r) => hex(r.receipt) === hex(d.receipt) && r.resolution.isFraud));
    await waitFor('a Fail\'s auditor to post the payload Dave withheld and a seat to confirm it', () => confirmedThroughChain().length > 0,
      { timeoutMs: 180_000, intervalMs: 1_000 }).catch((e) => {
      throw new Error(`${e.message}\ndisputes ${disputed.seen.length}, posted ${posted.seen.length}, resolved ${resolved.seen.length}\nAlice:\n${tail(alice.log(), 40)}\nBob:\n${tail(bob.log(), 40)}`);
    });
    assert.ok(!posted.seen.some((p) => p.by.toString() === daveAccount && disputed.seen.some((d) => d.claim.isFail && hex(d.receipt) === hex(p.receipt))),
      'Dave never posted a Fail\'s payload: the voters had it from the auditor');
    for (const w of [disputed, posted, resolved]) w.stop();
    assert.equal(await total('refuted'), 0, 'no Fail was refuted');
    assert.ok((await api.query.collateral.jailedUntil(daveAccount)).isSome, 'Dave is jailed');
    await waitFor('the fraud to be punished', () => punished.seen.length > 0, { timeoutMs: 30_000 });
    punished.stop();
    const refund = punished.seen[0];
    assert.equal(refund.payer.unwrap().toString(), charlie.address, 'the payer is Charlie');
    assert.ok(refund.refunded.toBigInt() > 0n, 'Charlie is refunded the receipt\'s cost');
    await waitFor('Alice to report the audits Bob skipped', async () => (await total('missed')) >= 1, { timeoutMs: 240_000, intervalMs: 1_000 }).catch((e) => { throw new Error(`${e.message}\nAlice:\n${tail(alice.log(), 60)}`); });
    await dave.kill();
  });
});
