// Which documents the extension hands to the server. Go sources, plus the build definitions and scripts
// the server reads (it publishes diagnostics on them and answers hover and code actions there), plus the
// workspace's .vscode/settings.json, whose unsaved state the server must see so that a second quick fix
// edits the text the first one left, not the file on disk. YAML and JSON only by file pattern: the
// extension must not take every YAML or JSON file of the workspace.
// No `vscode` import: the unit tests load this module in plain Node.

export interface Filter {
  scheme: 'file';
  language?: string;
  pattern?: string;
}

export const GO_LANGUAGES = ['go', 'go.mod', 'go.work'];

/** Languages whose every file is a build input: VS Code's built-in ids. */
export const BUILD_LANGUAGES = ['dockerfile', 'makefile', 'shellscript'];

/** Build definitions by name, for files whose language is generic (YAML) or not known to VS Code. */
export const BUILD_PATTERNS = [
  '**/Makefile',
  '**/makefile',
  '**/GNUmakefile',
  '**/*.mk',
  '**/Dockerfile*',
  '**/*.[dD]ockerfile',
  '**/Containerfile',
  '**/.goreleaser.{yml,yaml}',
  '**/goreleaser.{yml,yaml}',
  '**/.ko.{yml,yaml}',
  '**/.github/workflows/*.{yml,yaml}',
  '**/Taskfile.{yml,yaml}',
  '**/[jJ]ustfile',
  '**/.justfile',
  '**/*.sh',
];

export const SETTINGS_PATTERN = '**/.vscode/settings.json';

export const DOCUMENT_SELECTOR: Filter[] = [
  ...GO_LANGUAGES.map((language) => ({ scheme: 'file' as const, language })),
  ...BUILD_LANGUAGES.map((language) => ({ scheme: 'file' as const, language })),
  ...BUILD_PATTERNS.map((pattern) => ({ scheme: 'file' as const, pattern })),
  { scheme: 'file', pattern: SETTINGS_PATTERN },
];

/** The part of a LanguageClient that `clearDiagnosticsWhenStopped` needs. */
export interface StoppableClient {
  onDidChangeState(listener: (e: { oldState: number; newState: number }) => void): unknown;
  readonly diagnostics: { clear(): void } | undefined;
}

/**
 * Clears the server's diagnostics whenever the client leaves the running state. vscode-languageclient
 * 9 clears them on `stop()`, but keeps them when it restarts a crashed server (`cleanUp('restart')`):
 * the new server never republishes a file it finds clean, so its old warning would stay in the
 * Problems panel. `stoppedState` is `State.Stopped` (passed in to keep this module free of `vscode`).
 */
export function clearDiagnosticsWhenStopped(client: StoppableClient, stoppedState: number): void {
  client.onDidChangeState((e) => {
    if (e.newState === stoppedState) client.diagnostics?.clear();
  });
}
