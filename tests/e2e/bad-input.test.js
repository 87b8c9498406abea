// Bad input gets a clear error and takes nothing down.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { bestNumber, rawHttp, rpcHttp, runNodeSync, devNode, stopAll, waitFor } from './lib/node.js';

describe('chain-spec paths', () => {
  let dir;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sprint-e2e-specs-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('an unknown chain-spec path exits non-zero naming the file', () => {
    const missing = join(dir, 'no-such-spec.json');
    const out = runNodeSync(['--chain', missing, '--tmp', '--no-prometheus', '--rpc-port', '0', '--port', '0']);
    assert.notEqual(out.status, 0);
    assert.match(out.stderr + out.stdout, new RegExp(missing.replace(/[.]/g, '\\.')));
    assert.match(out.stderr + out.stdout, /not found/);
  });

  test('a malformed chain-spec file exits non-zero naming the file', () => {
    const garbage = join(dir, 'garbage.json');
    writeFileSync(garbage, '{ "name": "half a spec", ');
    const out = runNodeSync(['--chain', garbage, '--tmp', '--no-prometheus', '--rpc-port', '0', '--port', '0']);
    assert.notEqual(out.status, 0);
    assert.match(out.stderr + out.stdout, new RegExp(garbage.replace(/[.]/g, '\\.')));
  });

  test('export-chain-spec of an unknown path fails the same way', () => {
    const out = runNodeSync(['export-chain-spec', '--chain', join(dir, 'missing.json')]);
    assert.notEqual(out.status, 0);
    assert.match(out.stderr, /missing\.json/);
  });
});

describe('malformed JSON-RPC requests', () => {
  let node;
  before(async () => {
    node = await devNode('dev-rpc');
  });
  after(async () => {
    await stopAll();
    node?.cleanup();
  });

  test('garbage bytes over HTTP get a JSON-RPC parse error', async () => {
    const answer = await rawHttp(node, '\u0000\u00ff{{{ this is not json');
    assert.equal(answer.jsonrpc, '2.0');
    assert.equal(answer.error.code, -32700);
  });

  test('an unknown method gets "method not found"', async () => {
    const answer = await rpcHttp(node, 'sprint_noSuchMethod', []);
    assert.equal(answer.error.code, -32601);
  });

  test('wrong params get "invalid params"', async () => {
    const answer = await rpcHttp(node, 'chain_getBlockHash', ['not a number', { nested: true }]);
    assert.equal(answer.error.code, -32602);
    const answer2 = await rpcHttp(node, 'system_accountNextIndex', [12345]);
    assert.ok(answer2.error, 'a number is not an account id');
  });

  test('garbage over WebSocket gets an error answer, and the connection stays usable', async () => {
    const ws = new WebSocket(node.url);
    const messages = [];
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
      setTimeout(() => reject(new Error('no WebSocket connection in 10 s')), 10_000);
    });
    ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
    ws.send('not json at all ]]]');
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'system_name', params: [] }));
    await waitFor('two answers over WebSocket', () => messages.length >= 2, { timeoutMs: 10_000 });
    ws.close();
    assert.ok(messages.some((m) => m.error && m.error.code === -32700), JSON.stringify(messages));
    assert.ok(messages.some((m) => m.id === 7 && m.result === 'Sprint Node'), JSON.stringify(messages));
  });

  test('the node keeps producing blocks after all that', async () => {
    const start = await bestNumber(node);
    await waitFor('2 more blocks', async () => (await bestNumber(node)) >= start + 2, { timeoutMs: 30_000 });
    assert.equal(node.exited, false);
  });
});
