import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { discoverServer, DiscoveryInput, resolveSettingPath } from '../src/discovery';

/** Input where exactly the paths in `executables` exist and are executable. */
function input(over: Partial<DiscoveryInput>, executables: string[]): DiscoveryInput {
  const set = new Set(executables);
  return {
    settingPath: undefined,
    extensionPath: '/ext',
    envPath: '/usr/local/bin:/usr/bin',
    homeDir: '/home/gopher',
    workspaceFolder: '/ws',
    platform: 'linux',
    isExecutable: (p) => set.has(p),
    ...over,
  };
}

test('the setting wins over the bundled binary and PATH', () => {
  const d = discoverServer(input({ settingPath: '/opt/linklens' }, ['/opt/linklens', '/ext/server/linklens', '/usr/bin/linklens']));
  assert.deepEqual(d, { ok: true, path: '/opt/linklens', source: 'setting', tried: ['/opt/linklens'] });
});

test('a broken setting is an error naming the path, not a silent fallback', () => {
  const d = discoverServer(input({ settingPath: '/opt/nope' }, ['/ext/server/linklens']));
  assert.equal(d.ok, false);
  assert.ok(!d.ok && d.reason === 'setting-invalid');
  assert.match(d.ok ? '' : d.message, /linklens\.server\.path.*\/opt\/nope/);
});

test('setting: ~ is the home directory, a relative path is under the workspace folder', () => {
  assert.equal(resolveSettingPath('~/bin/linklens', '/home/gopher', '/ws'), '/home/gopher/bin/linklens');
  assert.equal(resolveSettingPath('target/release/linklens', '/home/gopher', '/ws'), '/ws/target/release/linklens');
  assert.equal(resolveSettingPath('  /abs/linklens ', '/home/gopher', '/ws'), '/abs/linklens');
  assert.equal(resolveSettingPath('rel/linklens', '/home/gopher', undefined), 'rel/linklens');
  const d = discoverServer(input({ settingPath: '~/bin/linklens' }, ['/home/gopher/bin/linklens']));
  assert.ok(d.ok && d.path === '/home/gopher/bin/linklens');
});

test('an empty or blank setting means "not set"', () => {
  for (const settingPath of ['', '   ', undefined]) {
    const d = discoverServer(input({ settingPath }, ['/ext/server/linklens']));
    assert.ok(d.ok && d.source === 'bundled', `setting ${JSON.stringify(settingPath)}`);
  }
});

test('the bundled binary wins over PATH', () => {
  const d = discoverServer(input({}, ['/ext/server/linklens', '/usr/bin/linklens']));
  assert.ok(d.ok && d.path === '/ext/server/linklens' && d.source === 'bundled');
});

test('PATH is searched in order, skipping empty entries', () => {
  const d = discoverServer(input({ envPath: ':/a::/b:/c' }, ['/b/linklens', '/c/linklens']));
  assert.ok(d.ok);
  assert.equal(d.path, '/b/linklens');
  assert.equal(d.source, 'path');
  assert.deepEqual(d.tried, ['/ext/server/linklens', '/a/linklens', '/b/linklens']);
});

test('windows: linklens.exe and ; as PATH delimiter', () => {
  const d = discoverServer(input({ platform: 'win32', extensionPath: 'C:\\ext', envPath: 'C:\\a;C:\\tools' }, [path.join('C:\\tools', 'linklens.exe')]));
  assert.ok(d.ok && d.path.endsWith('linklens.exe') && d.source === 'path');
});

test('windows: the win32-x64 .vsix layout (server\\linklens.exe) is the bundled server', () => {
  const bundled = path.join('C:\\ext', 'server', 'linklens.exe');
  const d = discoverServer(input({ platform: 'win32', extensionPath: 'C:\\ext', envPath: 'C:\\tools' }, [bundled, path.join('C:\\tools', 'linklens.exe')]));
  assert.deepEqual(d, { ok: true, path: bundled, source: 'bundled', tried: [bundled] });
});

test('nothing found: actionable message and every place tried', () => {
  const d = discoverServer(input({ envPath: '/usr/bin' }, []));
  assert.equal(d.ok, false);
  if (d.ok) return;
  assert.equal(d.reason, 'not-found');
  assert.deepEqual(d.tried, ['/ext/server/linklens', '/usr/bin/linklens']);
  assert.match(d.message, /linklens\.server\.path/);
  assert.match(d.message, /PATH/);
});

test('undefined PATH does not throw', () => {
  const d = discoverServer(input({ envPath: undefined }, []));
  assert.ok(!d.ok && d.tried.length === 1);
});

test('with real files: a non-executable file is not accepted', () => {
  // Same check the extension uses (stat + X_OK), exercised on the real file system.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linklens-disc-'));
  try {
    fs.mkdirSync(path.join(dir, 'ext', 'server'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'bin'));
    const bundled = path.join(dir, 'ext', 'server', 'linklens');
    const onPath = path.join(dir, 'bin', 'linklens');
    // Not executable (e.g. unpacked without modes). Even root fails X_OK when no execute bit is set.
    fs.writeFileSync(bundled, '#!/bin/sh\n', { mode: 0o644 });
    fs.writeFileSync(onPath, '#!/bin/sh\n', { mode: 0o755 });
    const isExecutable = (p: string) => {
      try {
        return fs.statSync(p).isFile() && (fs.accessSync(p, fs.constants.X_OK), true);
      } catch {
        return false;
      }
    };
    const d = discoverServer(input({ extensionPath: path.join(dir, 'ext'), envPath: path.join(dir, 'bin'), isExecutable }, []));
    assert.ok(d.ok);
    assert.equal(d.path, onPath);
    assert.equal(d.source, 'path');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
