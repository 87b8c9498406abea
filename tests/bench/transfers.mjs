// Dev-node throughput of signed balance transfers, and the node's peak memory.
//
// Starts `sprint-node --dev --tmp`, funds N sender accounts from Alice (utility.batchAll), then
// submits one pre-signed transfer per sender and counts transfers/s between the first and the
// last block that includes them (wall-clock arrival of those blocks). Prints one JSON object.
//
//   node tests/bench/transfers.mjs [--count N] [--block-time MS]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Keyring } from '@polkadot/keyring';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, stopAll, waitFor } from '../e2e/lib/node.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '4000' },
    'block-time': { type: 'string', default: '1000' },
    'timeout-s': { type: 'string', default: '600' },
  },
});
const N = Number(values.count);
const BLOCK_TIME = Number(values['block-time']);
const DEADLINE = Date.now() + Number(values['timeout-s']) * 1000;
const SPR = 10n ** 9n;
const progress = (msg) => process.stderr.write(`[bench] ${msg}\n`);

function peakRssKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmHWM:\s+(\d+) kB/)[1]);
}

async function main() {
  await cryptoWaitReady();
  // Keys first, before any connection: deriving thousands of keys blocks the event loop. Seeds
  // are hashes of an index (no mnemonic stretching per key, unlike `//Sender//i` URIs).
  const keyring = new Keyring({ type: 'sr25519' });
  progress(`deriving ${N} sender accounts`);
  const senders = Array.from({ length: N }, (_, i) => keyring.addFromSeed(blake2AsU8a(`sprint-bench-sender-${i}`)));

  const node = await startNode({ name: 'bench', args: ['--dev', '--tmp', '--dev-block-time', String(BLOCK_TIME), '--pool-limit', String(N * 2 + 1000), '--pool-kbytes', String(N * 2)] });
  const api = await node.api();
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');

  progress('funding them from Alice');
  const BATCH = 500;
  let nonce = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
  const fundingBlocks = [];
  for (let i = 0; i < N; i += BATCH) {
    const calls = senders.slice(i, i + BATCH).map((s) => api.tx.balances.transferKeepAlive(s.address, 10n * SPR));
    const tx = await api.tx.utility.batchAll(calls).signAsync(alice, { nonce: nonce++, era: 0 });
    fundingBlocks.push(api.rpc.author.submitExtrinsic(tx));
  }
  await Promise.all(fundingBlocks);
  const last = senders[N - 1].address;
  await waitFor('senders funded', async () => (await api.query.system.account(last)).data.free.toBigInt() > 0n, { timeoutMs: Math.max(1000, DEADLINE - Date.now()) });

  progress(`signing ${N} transfers`);
  const transfers = [];
  for (const s of senders) transfers.push(await api.tx.balances.transferKeepAlive(bob.address, SPR).signAsync(s, { nonce: 0, era: 0 }));
  const hashes = new Set(transfers.map((t) => t.hash.toHex()));

  const blocks = []; // { number, arrivedMs, included }
  let included = 0;
  const unsubscribe = await api.rpc.chain.subscribeNewHeads(async (header) => {
    const arrivedMs = Date.now();
    const block = await api.rpc.chain.getBlock(header.hash);
    const count = block.block.extrinsics.filter((x) => hashes.has(x.hash.toHex())).length;
    if (count > 0) {
      included += count;
      blocks.push({ number: header.number.toNumber(), arrivedMs, included: count });
      progress(`block #${header.number}: ${count} transfers (${included}/${N})`);
    }
  });

  progress('submitting');
  const submitStart = Date.now();
  const CHUNK = 250;
  let rejected = 0;
  for (let i = 0; i < N; i += CHUNK) {
    const results = await Promise.allSettled(transfers.slice(i, i + CHUNK).map((t) => api.rpc.author.submitExtrinsic(t)));
    rejected += results.filter((r) => r.status === 'rejected').length;
  }
  const submitMs = Date.now() - submitStart;
  await waitFor(`all ${N - rejected} transfers included`, () => included >= N - rejected, { timeoutMs: Math.max(1000, DEADLINE - Date.now()), intervalMs: 200 });
  unsubscribe();

  const rss = peakRssKiB(node.child.pid);
  blocks.sort((a, b) => a.number - b.number);
  const first = blocks[0];
  const lastBlock = blocks[blocks.length - 1];
  const spanMs = lastBlock.arrivedMs - first.arrivedMs;
  // Transfers after the first inclusion block, over the time from it to the last one; with a
  // single block the rate is bounded by one block interval.
  const tps = blocks.length > 1 ? ((included - first.included) * 1000) / spanMs : (included * 1000) / BLOCK_TIME;
  const result = {
    transfers: N,
    rejected_at_submission: rejected,
    blocks_with_transfers: blocks.length,
    max_transfers_per_block: Math.max(...blocks.map((b) => b.included)),
    dev_block_time_ms: BLOCK_TIME,
    submit_ms: submitMs,
    first_to_last_inclusion_ms: spanMs,
    transfers_per_second: Math.round(tps),
    node_peak_rss_mib: Math.round(rss / 1024),
  };
  console.log(JSON.stringify(result));
  await stopAll();
}

main().catch(async (e) => {
  console.error(e);
  await stopAll();
  process.exit(1);
});
