// Finding the linklens server binary. Pure (no `vscode` import) so it is unit-tested with node --test.
import * as path from 'path';

export type ServerSource = 'setting' | 'bundled' | 'path';

export interface DiscoveryInput {
  /** Value of `linklens.server.path` (empty or undefined = not set). */
  settingPath: string | undefined;
  /** Folder of the installed extension; the .vsix ships `server/linklens` in it. */
  extensionPath: string;
  /** The extension host's PATH. */
  envPath: string | undefined;
  /** Used to expand a leading `~` in the setting. */
  homeDir: string;
  /** Relative setting paths are resolved against this (the first workspace folder), if any. */
  workspaceFolder: string | undefined;
  platform: NodeJS.Platform;
  /** True when `p` is an existing, executable regular file. Injected so tests need no real files. */
  isExecutable: (p: string) => boolean;
}

export type Discovery =
  | { ok: true; path: string; source: ServerSource; tried: string[] }
  | { ok: false; reason: 'setting-invalid' | 'not-found'; message: string; tried: string[] };

export function binaryName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'linklens.exe' : 'linklens';
}

/** Expands `~` and resolves a relative path against the workspace folder (or leaves it relative). */
export function resolveSettingPath(raw: string, homeDir: string, workspaceFolder: string | undefined): string {
  let p = raw.trim();
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) {
    p = path.join(homeDir, p.slice(1));
  }
  if (!path.isAbsolute(p) && workspaceFolder) {
    p = path.join(workspaceFolder, p);
  }
  return p;
}

/**
 * Order: the `linklens.server.path` setting, the binary bundled in the extension, `linklens` on PATH.
 * An explicit but broken setting is an error rather than a silent fallback: the user asked for that binary.
 */
export function discoverServer(input: DiscoveryInput): Discovery {
  const tried: string[] = [];
  const name = binaryName(input.platform);

  const setting = input.settingPath?.trim();
  if (setting) {
    const p = resolveSettingPath(setting, input.homeDir, input.workspaceFolder);
    tried.push(p);
    if (input.isExecutable(p)) {
      return { ok: true, path: p, source: 'setting', tried };
    }
    return {
      ok: false,
      reason: 'setting-invalid',
      tried,
      message:
        `The setting linklens.server.path points to "${p}", which is not an executable file. ` +
        `Fix the path, or clear the setting to use the bundled server or the linklens on your PATH.`,
    };
  }

  const bundled = path.join(input.extensionPath, 'server', name);
  tried.push(bundled);
  if (input.isExecutable(bundled)) {
    return { ok: true, path: bundled, source: 'bundled', tried };
  }

  const delimiter = input.platform === 'win32' ? ';' : ':';
  for (const dir of (input.envPath ?? '').split(delimiter)) {
    if (!dir) continue; // an empty PATH entry means the cwd, which is the extension host's, not the user's
    const p = path.join(dir, name);
    tried.push(p);
    if (input.isExecutable(p)) {
      return { ok: true, path: p, source: 'path', tried };
    }
  }

  return {
    ok: false,
    reason: 'not-found',
    tried,
    message:
      `Could not find the linklens language server: this extension has no bundled server for ` +
      `${input.platform}, and there is no "${name}" on PATH. Install the linklens .vsix built for your ` +
      `platform (linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64), or install the server ` +
      `(a release binary, or cargo install linklens) and set linklens.server.path to the binary.`,
  };
}
