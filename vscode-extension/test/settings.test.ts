import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { configurationForServer, toInitializationOptions } from '../src/settings';

const getter = (o: Record<string, unknown>) => (k: string) => o[k];

test('defaults when nothing is set', () => {
  assert.deepEqual(toInitializationOptions(getter({}), true), {
    expect: 'static',
    buildFlags: [],
    env: {},
    codelens: true,
    logLevel: 'warn',
    runGo: true,
  });
});

test('settings map one to one in a trusted workspace', () => {
  const o = toInitializationOptions(
    getter({ expect: 'report', buildFlags: ['-tags=netgo', '-trimpath'], env: { CGO_ENABLED: '0', CC: 'musl-gcc' }, codelens: false, logLevel: 'debug' }),
    true,
  );
  assert.deepEqual(o, {
    expect: 'report',
    buildFlags: ['-tags=netgo', '-trimpath'],
    env: { CGO_ENABLED: '0', CC: 'musl-gcc' },
    codelens: false,
    logLevel: 'debug',
    runGo: true,
  });
});

test('untrusted workspace: runGo=false and no env', () => {
  const o = toInitializationOptions(getter({ env: { CC: '/tmp/evil-cc' }, buildFlags: ['-tags=netgo'] }), false);
  assert.equal(o.runGo, false);
  assert.deepEqual(o.env, {});
  assert.deepEqual(o.buildFlags, ['-tags=netgo']); // flags are only parsed, never executed
});

test('hand-edited settings.json mistakes are normalised, not sent to the server', () => {
  const o = toInitializationOptions(
    getter({ expect: 'Static', buildFlags: '-tags=netgo', env: ['CGO_ENABLED=0'], codelens: 'yes', logLevel: 'verbose' }),
    true,
  );
  assert.deepEqual(o, { expect: 'static', buildFlags: [], env: {}, codelens: true, logLevel: 'warn', runGo: true });

  const p = toInitializationOptions(getter({ buildFlags: ['-tags=netgo', 3, '', ' ', null], env: { CGO_ENABLED: 0, X: true, Y: null, Z: { a: 1 } } }), true);
  assert.deepEqual(p.buildFlags, ['-tags=netgo']);
  assert.deepEqual(p.env, { CGO_ENABLED: '0', X: 'true' });
});

test('pulled configuration section: same normalisation plus runGo, other keys kept', () => {
  const raw = { expect: 'report', buildFlags: ['-tags=netgo'], env: { CGO_ENABLED: 0 }, codelens: true, server: { path: '' }, trace: { server: 'off' } };
  assert.deepEqual(configurationForServer(raw, true), {
    expect: 'report',
    buildFlags: ['-tags=netgo'],
    env: { CGO_ENABLED: '0' },
    codelens: true,
    logLevel: 'warn',
    runGo: true,
    server: { path: '' },
    trace: { server: 'off' },
  });
  const untrusted = configurationForServer(raw, false);
  assert.equal(untrusted.runGo, false);
  assert.deepEqual(untrusted.env, {});
  assert.deepEqual(configurationForServer(null, true), { expect: 'static', buildFlags: [], env: {}, codelens: true, logLevel: 'warn', runGo: true });
});
