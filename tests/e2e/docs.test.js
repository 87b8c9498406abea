// The documentation as a newcomer uses it (README.md and docs/): it stays inside the repository,
// the files and anchors it names exist, the `make` targets it names are the Makefile's, every
// `sprint-node` / `sprint-worker` command line it shows is accepted by the binary's own argument
// parser, and the @polkadot/api snippets marked `<!-- run: polkadot-api -->` run against a real
// dev chain.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { nodeBinary, devNode, stopAll } from './lib/node.js';
import { workerBinary } from './lib/worker.js';

const root = normalize(join(new URL('.', import.meta.url).pathname, '..', '..'));
const documents = ['README.md', 'chain-specs/README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (file) => readFileSync(join(root, file), 'utf8');

/** Fenced code blocks of `text`: `{ lang, body, marker }`, marker being the `<!-- run: … -->` above it. */
function blocks(text) {
  const found = [];
  const re = /(?:<!-- run: ([\w-]+) -->\s*\n)?```(\w*)\n([\s\S]*?)```/g;
  for (let m; (m = re.exec(text));) found.push({ marker: m[1], lang: m[2], body: m[3] });
  return found;
}

/** GitHub's anchor for a heading. */
const slug = (heading) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

/** Splits a shell command line into words (quotes honoured; no expansions). */
function words(line) {
  const out = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m; (m = re.exec(line));) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

describe('documentation', () => {
  test('stays inside the repository', () => {
    for (const file of documents) {
      const text = read(file);
      assert.doesNotMatch(text, /SPEC\.md|\.\.\/shared/, `${file} points outside the repository`);
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^(https?:|mailto:)/.test(target)) continue;
        const resolved = normalize(join(dirname(join(root, file)), target));
        assert.ok(resolved.startsWith(root), `${file} links to ${target}, outside the repository`);
        assert.ok(existsSync(resolved), `${file} links to ${target}, which does not exist`);
      }
    }
  });

  test('the anchors it links to exist', () => {
    for (const file of documents) {
      for (const [, target, anchor] of read(file).matchAll(/\]\(([^)#\s]*)#([^)\s]+)\)/g)) {
        const linked = target ? normalize(join(dirname(file), target)) : file;
        if (!linked.endsWith('.md')) continue;
        const anchors = [...read(linked).matchAll(/^#+ (.+)$/gm)].map(([, h]) => slug(h));
        assert.ok(anchors.includes(anchor), `${file}: no heading in ${linked} has the anchor #${anchor}`);
      }
    }
  });

  test('the repository paths it names exist', () => {
    const top = /^(pallets|runtime|node|ml-worker|tests|chain-specs|docs)\/[\w./-]+$/;
    for (const file of documents) {
      for (const [, path] of read(file).matchAll(/`([^`\s]+)`/g)) {
        const clean = path.replace(/[:#].*$/, '');
        // tests/artifacts/ holds what tests write (screenshots), not sources.
        if (!top.test(clean) || /\*|\.\.\./.test(clean) || clean.startsWith('tests/artifacts/')) continue;
        assert.ok(existsSync(join(root, clean)), `${file} names \`${path}\`, which does not exist`);
      }
    }
  });

  test('the make targets it names are the Makefile\'s', () => {
    const targets = new Set([...read('Makefile').matchAll(/^([a-z][\w-]*):/gm)].map(([, t]) => t));
    for (const file of documents) {
      for (const [, target] of read(file).matchAll(/`make ([a-z][\w-]*)/g)) {
        assert.ok(targets.has(target), `${file} names \`make ${target}\`, which the Makefile lacks`);
      }
    }
  });

  test('every sprint-node and sprint-worker command line it shows parses', () => {
    const binaries = { 'sprint-node': nodeBinary(), 'sprint-worker': workerBinary() };
    let checked = 0;
    for (const file of documents) {
      for (const { lang, body } of blocks(read(file))) {
        if (!['sh', 'bash', 'shell', 'console'].includes(lang)) continue;
        for (const raw of body.split('\n')) {
          const line = raw.replace(/^\$ /, '').replace(/\s+#.*$/, '').trim();
          const argv = words(line);
          const at = argv.findIndex((w) => /(^|\/)sprint-(node|worker)$/.test(w));
          // Only a command that starts the line (after an env assignment, sudo or exec).
          if (at < 0 || argv.slice(0, at).some((w) => !/^(\w+=\S*|sudo|-u|\w+|exec)$/.test(w))) continue;
          if (/[|<>`$]/.test(argv.slice(at + 1).join(' ')) || line.endsWith('\\')) continue;
          const name = argv[at].replace(/^.*\//, '');
          const args = argv.slice(at + 1);
          if (args.includes('--help') || args.includes('-h')) continue;
          const run = spawnSync(binaries[name], [...args, '--help'], { encoding: 'utf8', timeout: 30_000 });
          assert.equal(run.status, 0, `${file}: \`${line}\` is refused by ${name}:\n${run.stderr}`);
          checked += 1;
        }
      }
    }
    assert.ok(checked >= 10, `only ${checked} command lines found: is the extraction broken?`);
  });

  describe('the @polkadot/api snippets marked to run', () => {
    let node;
    let api;
    let alice;
    let bob;

    before(async () => {
      await cryptoWaitReady();
      node = await devNode('docs');
      api = await node.api();
      const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
      alice = keyring.addFromUri('//Alice');
      bob = keyring.addFromUri('//Bob');
    });

    after(async () => {
      await stopAll();
    });

    test('each runs without error', async () => {
      const AsyncFunction = (async () => {}).constructor;
      let ran = 0;
      for (const file of documents) {
        for (const [i, { marker, body }] of blocks(read(file)).entries()) {
          if (marker !== 'polkadot-api') continue;
          const lines = [];
          const log = (...args) => lines.push(args.map(String).join(' '));
          const snippet = new AsyncFunction('api', 'alice', 'bob', 'log', 'assert', body);
          const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('ran over 60 s')), 60_000).unref());
          try {
            await Promise.race([snippet(api, alice, bob, log, assert), timeout]);
          } catch (e) {
            throw new Error(`${file}, code block ${i + 1}: ${e.message}\n${body}`);
          }
          ran += 1;
        }
      }
      assert.ok(ran >= 3, `only ${ran} snippets marked to run`);
    });
  });
});
