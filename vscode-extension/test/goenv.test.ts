import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { serverProcessEnv } from '../src/goenv';

const base = { PATH: '/usr/bin:/bin', HOME: '/home/gopher' };
const linux = { trusted: true, platform: 'linux' as const };

test('no vscode-go settings: the environment is passed unchanged', () => {
  assert.equal(serverProcessEnv(base, {}, linux), base);
  assert.equal(serverProcessEnv(base, { goroot: '', alternateTools: {} }, linux), base);
});

test('go.goroot: GOROOT set and its bin first on PATH', () => {
  const env = serverProcessEnv(base, { goroot: '/opt/go1.26' }, linux);
  assert.equal(env.GOROOT, '/opt/go1.26');
  assert.equal(env.PATH, '/opt/go1.26/bin:/usr/bin:/bin');
  assert.equal(env.HOME, '/home/gopher');
  assert.equal(base.PATH, '/usr/bin:/bin', 'input not mutated');
});

test('go.alternateTools.go (absolute) comes before go.goroot; relative names are ignored', () => {
  const env = serverProcessEnv(base, { goroot: '/opt/go', alternateTools: { go: '/home/gopher/sdk/go1.27/bin/go' } }, linux);
  assert.equal(env.PATH, '/home/gopher/sdk/go1.27/bin:/opt/go/bin:/usr/bin:/bin');
  assert.equal(serverProcessEnv(base, { alternateTools: { go: 'go1.27' } }, linux), base);
});

test('a directory already on PATH moves to the front instead of appearing twice', () => {
  const env = serverProcessEnv({ PATH: '/usr/bin:/opt/go/bin' }, { goroot: '/opt/go' }, linux);
  assert.equal(env.PATH, '/opt/go/bin:/usr/bin');
});

test('untrusted workspace: nothing from settings reaches the process', () => {
  assert.equal(serverProcessEnv(base, { goroot: '/tmp/evil' }, { trusted: false, platform: 'linux' }), base);
});

test('relative go.goroot is ignored', () => {
  assert.equal(serverProcessEnv(base, { goroot: 'go' }, linux), base);
});
