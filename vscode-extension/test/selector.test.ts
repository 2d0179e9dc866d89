import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { clearDiagnosticsWhenStopped, DOCUMENT_SELECTOR, Filter, StoppableClient } from '../src/selector';

// Node's glob (minimatch semantics, like VS Code's for these patterns: `**`, `*`, `{a,b}`, `[dD]`).
const matchesGlob = (path as unknown as { matchesGlob?: (p: string, g: string) => boolean }).matchesGlob;

/** The languages VS Code gives these files out of the box (extensions.dockerfile, .make, .shellscript). */
function builtinLanguage(file: string): string | undefined {
  const base = path.basename(file);
  if (base.endsWith('.go')) return 'go';
  if (base === 'Dockerfile' || base.endsWith('.dockerfile') || base === 'Containerfile') return 'dockerfile';
  if (base === 'Makefile' || base === 'makefile' || base === 'GNUmakefile' || base.endsWith('.mk')) return 'makefile';
  if (base.endsWith('.sh')) return 'shellscript';
  if (base.endsWith('.yml') || base.endsWith('.yaml')) return 'yaml';
  if (base.endsWith('.json')) return 'jsonc';
  return 'plaintext';
}

function selected(file: string, filters: Filter[] = DOCUMENT_SELECTOR): boolean {
  assert.ok(matchesGlob, 'path.matchesGlob needs Node >= 20.17');
  return filters.some(
    (f) => f.scheme === 'file' && (f.language === undefined || f.language === builtinLanguage(file)) && (f.pattern === undefined || matchesGlob(file, f.pattern)),
  );
}

test('build definitions, scripts and CI files reach the server', () => {
  for (const f of [
    '/ws/cmd/api/main.go',
    '/ws/Makefile',
    '/ws/build/rules.mk',
    '/ws/Dockerfile',
    '/ws/Dockerfile.alpine',
    '/ws/deploy/api.Dockerfile',
    '/ws/Containerfile',
    '/ws/.goreleaser.yaml',
    '/ws/.goreleaser.yml',
    '/ws/goreleaser.yaml',
    '/ws/.ko.yaml',
    '/ws/.github/workflows/release.yml',
    '/ws/.github/workflows/ci.yaml',
    '/ws/Taskfile.yml',
    '/ws/justfile',
    '/ws/scripts/build.sh',
    '/ws/.vscode/settings.json',
  ]) {
    assert.ok(selected(f), `${f} is not selected`);
  }
});

test('other YAML and JSON files are left alone', () => {
  for (const f of ['/ws/config/app.yaml', '/ws/docker-compose.yml', '/ws/.github/dependabot.yml', '/ws/package.json', '/ws/k8s/deploy.yaml']) {
    assert.ok(!selected(f), `${f} is selected`);
  }
});

test('every filter is scoped to files on disk', () => {
  for (const f of DOCUMENT_SELECTOR) assert.equal(f.scheme, 'file');
  assert.ok(!DOCUMENT_SELECTOR.some((f) => f.language === 'yaml' || f.language === 'json' || f.language === 'jsonc'));
});

test('diagnostics are cleared when the client stops, not while it runs', () => {
  const STOPPED = 1;
  const RUNNING = 2;
  const STARTING = 3;
  let listener: ((e: { oldState: number; newState: number }) => void) | undefined;
  let clears = 0;
  const client: StoppableClient = {
    onDidChangeState: (l) => {
      listener = l;
    },
    diagnostics: { clear: () => clears++ },
  };
  clearDiagnosticsWhenStopped(client, STOPPED);
  assert.ok(listener);
  listener({ oldState: STOPPED, newState: STARTING });
  listener({ oldState: STARTING, newState: RUNNING });
  assert.equal(clears, 0);
  // A crash that vscode-languageclient restarts: Running → Stopped → Starting → Running.
  listener({ oldState: RUNNING, newState: STOPPED });
  assert.equal(clears, 1);
  // No collection (never started): nothing to clear, no throw.
  const bare: StoppableClient = { onDidChangeState: (l) => { listener = l; }, diagnostics: undefined };
  clearDiagnosticsWhenStopped(bare, STOPPED);
  listener({ oldState: RUNNING, newState: STOPPED });
});
