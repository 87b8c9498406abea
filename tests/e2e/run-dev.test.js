// `make run` as a newcomer meets it (tests/scripts/run-dev.sh, the script `make run` runs): a dev
// node, Alice validating and Bob hosting. Within its first epoch and tally, Bob's worker logs the
// chain's decision in one line — Accepted, with the reward the chain credited — and the terminal
// carries no driver noise. Ctrl-C (SIGINT) stops all three processes.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { freePort, nodeBinary, waitFor } from './lib/node.js';
import { workerBinary } from './lib/worker.js';

describe('make run', () => {
  let child;
  let api;
  let output = '';

  after(async () => {
    await api?.disconnect().catch(() => {});
    if (child && child.exitCode === null) {
      process.kill(-child.pid, 'SIGKILL');
    }
  });

  test('tells the story: a validator checks a host, whose first epoch is accepted with a reward', async () => {
    const [rpcPort, proofPort] = [await freePort(), await freePort()];
    const script = new URL('../scripts/run-dev.sh', import.meta.url).pathname;
    const started = Date.now();
    // Its own process group, so that the test can stop everything it starts even if the
    // script misbehaves.
    child = spawn(script, [nodeBinary(), workerBinary()], {
      env: { ...process.env, RPC_PORT: String(rpcPort), PROOF_PORT: String(proofPort), XDG_RUNTIME_DIR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });

    const accepted = await waitFor('Bob\'s first accepted epoch', () => {
      if (child.exitCode !== null) throw new Error(`make run stopped (${child.exitCode}):\n${output}`);
      return output.match(/^\[bob\] .*epoch (\d+): Accepted — (\d+) leaves committed, weight (\d+), reward (\d+)\.(\d{3}) SPR \(vesting\); 1 seat: 1 Valid$/m);
    }, { timeoutMs: 240_000, intervalMs: 500 });
    const seconds = (Date.now() - started) / 1000;
    console.log(`# make run: first accepted outcome ${seconds.toFixed(0)} s after start: ${accepted[0].replace(/^.*(epoch)/, '$1')}`);

    assert.match(output, /^\[alice\] /m, 'Alice\'s lines are shown, prefixed');
    assert.doesNotMatch(output, /XDG_RUNTIME_DIR/, 'no driver noise');
    assert.match(output, /ws:\/\/127\.0\.0\.1:\d+/, 'the endpoint is printed');
    const dashboard = output.match(/Bob's dashboard: (http:\/\/127\.0\.0\.1:\d+\/dashboard)/);
    assert.ok(dashboard, 'the dashboard\'s address is printed');
    assert.equal((await fetch(dashboard[1], { signal: AbortSignal.timeout(5_000) })).status, 200, 'and it answers');

    // The reward in the line is the one the chain credited (Bob's only credit so far).
    await cryptoWaitReady();
    api = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${rpcPort}`, 1000, {}, 30_000), noInitWarn: true, throwOnConnect: true });
    const bob = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Bob').address;
    const epoch = Number(accepted[1]);
    const weight = (await api.query.poc.acceptedWeights(epoch, bob)).unwrap().toBigInt();
    assert.equal(BigInt(accepted[3]), weight, 'the weight is the chain\'s');
    const ledger = (await api.query.emission.ledgers(bob)).unwrap();
    const credited = ledger.vested.toBigInt() + ledger.buckets.reduce((s, b) => s + b.amount.toBigInt(), 0n);
    assert.equal(`${accepted[4]}.${accepted[5]}`, `${credited / 10n ** 9n}.${String(credited % 10n ** 9n / 10n ** 6n).padStart(3, '0')}`,
      'the reward is what pallet-emission credited');
    await api.disconnect();
    api = undefined;

    // Ctrl-C stops the node and both workers.
    process.kill(-child.pid, 'SIGINT');
    await waitFor('make run to stop', () => child.exitCode !== null || child.signalCode !== null, { timeoutMs: 30_000 });
    await waitFor('the node\'s RPC port to close', async () => {
      try {
        await fetch(`http://127.0.0.1:${rpcPort}`, { signal: AbortSignal.timeout(1_000) });
        return false;
      } catch {
        return true;
      }
    }, { timeoutMs: 20_000 });
  });
});
