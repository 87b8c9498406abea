// `make bench`: what the transfer agent adds to a request. A dev node and one worker serving
// SmolLM2 on the market (its own API is the transfer agent; it forwards to itself as executor
// over loopback HTTP, with every chain check of both roles), beside `sprint-worker serve` (the
// engine alone, same threads) under the same load: requests alternate between the two, each a
// chat completion of one token, and the medians are compared. Prints one JSON object.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { compactAddLength, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { freePort, startNode, stopAll, waitFor } from '../e2e/lib/node.js';
import { send } from '../e2e/lib/tx.js';
import { startWorker, stopWorkers, workerBinary } from '../e2e/lib/worker.js';

const MODEL = 'SmolLM2-135M-Instruct.Q4_1';
const ROUNDS = Number(process.env.BENCH_MARKET_ROUNDS ?? 15);
const modelPath = join(process.env.SPRINT_MODELS ?? join(homedir(), '.cache/sprint-models'), `${MODEL}.gguf`);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

let serve;
try {
  await cryptoWaitReady();
  const node = await startNode({ name: 'bench-market', args: ['--dev', '--tmp', '--dev-block-time', '1000'] });
  const api = await node.api();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const alice = keyring.addFromUri('//Alice');
  const charlie = keyring.addFromUri('//Charlie');
  const key = keyring.addFromUri('//Charlie//api');
  await send(api.tx.sudo.sudo(api.tx.inference.registerModel({
    name: MODEL, fileSha256: u8aToHex(createHash('sha256').update(readFileSync(modelPath)).digest()),
    architecture: 'llama', contextLength: 8192, engineRecipe: 1, computeUnitsPerToken: 1, initialPrice: 1_000n,
  })), alice, 'register the model');
  await send(api.tx.inference.deposit(100n * 10n ** 9n), charlie, 'deposit');
  const proof = key.sign(u8aConcat(compactAddLength(stringToU8a('sprint/api-key')), charlie.addressRaw, compactAddLength(api.genesisHash.toU8a())));
  await send(api.tx.inference.addApiKey(key.publicKey, 10n ** 18n, 10_000n, 1_000_000, u8aToHex(proof)), charlie, 'add a key');

  const marketPort = await freePort();
  await startWorker({ node, name: 'Bob', args: ['--inference', '--api-listen', `127.0.0.1:${marketPort}`, '--inference-threads', '1'] });
  const bob = keyring.addFromUri('//Bob').address;
  await waitFor('the service declaration (finalized)', async () => (await (await api.at(await api.rpc.chain.getFinalizedHead())).query.inference.services(bob)).isSome, { timeoutMs: 60_000, intervalMs: 500 });

  const servePort = await freePort();
  serve = spawn(workerBinary(), ['serve', '--listen', `127.0.0.1:${servePort}`, '--threads', '1'], { stdio: 'ignore' });
  await waitFor('sprint-worker serve', async () => (await fetch(`http://127.0.0.1:${servePort}/health`)).ok, { timeoutMs: 60_000 });

  const ask = async (port, headers) => {
    const started = performance.now();
    const r = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'What is the capital of Japan?' }], max_tokens: 1, temperature: 0 }),
    });
    if (!r.ok) throw new Error(`${port}: ${r.status} ${await r.text()}`);
    await r.json();
    return performance.now() - started;
  };
  const market = [];
  const engine = [];
  await new Promise((r) => setTimeout(r, 2_500)); // the agent's snapshot of the chain catches up
  for (let i = 0; i < ROUNDS + 2; i += 1) {
    const m = await ask(marketPort, { authorization: 'Bearer //Charlie//api' });
    const e = await ask(servePort, {});
    if (i >= 2) { market.push(m); engine.push(e); } // the first two warm up
  }
  console.log(JSON.stringify({
    rounds: ROUNDS,
    engine_alone_ms: Number(median(engine).toFixed(1)),
    through_transfer_agent_ms: Number(median(market).toFixed(1)),
    ta_overhead_ms: Number((median(market) - median(engine)).toFixed(1)),
  }));
} finally {
  serve?.kill('SIGKILL');
  await stopWorkers();
  await stopAll();
}
process.exit(0);
