// Where the server finds `go`. Pure (no `vscode` import), unit-tested.
//
// VS Code gives extensions the PATH of the user's login shell, which often lacks Go (installed by a
// version manager, or configured only through vscode-go). Without `go` the server cannot learn GOROOT
// and cannot predict anything, so reuse what vscode-go was told: `go.alternateTools.go`, then `go.goroot`.
// Only the server *process* environment changes; linklens.env stays the release build's environment.
import * as path from 'path';

export interface GoSettings {
  /** `go.goroot` of vscode-go. */
  goroot?: unknown;
  /** `go.alternateTools` of vscode-go; its `go` entry may be an absolute path to the go binary. */
  alternateTools?: unknown;
}

export function serverProcessEnv(
  base: NodeJS.ProcessEnv,
  go: GoSettings,
  opts: { trusted: boolean; platform: NodeJS.Platform },
): NodeJS.ProcessEnv {
  // Untrusted: the server runs no `go`, and a workspace must not choose which binary would be run.
  if (!opts.trusted) return base;
  const delimiter = opts.platform === 'win32' ? ';' : ':';
  const env: NodeJS.ProcessEnv = { ...base };
  const dirs: string[] = [];

  const alt = go.alternateTools !== null && typeof go.alternateTools === 'object'
    ? (go.alternateTools as Record<string, unknown>).go
    : undefined;
  if (typeof alt === 'string' && path.isAbsolute(alt)) dirs.push(path.dirname(alt));

  if (typeof go.goroot === 'string' && go.goroot.trim() !== '' && path.isAbsolute(go.goroot.trim())) {
    const goroot = go.goroot.trim();
    env.GOROOT = goroot;
    dirs.push(path.join(goroot, 'bin'));
  }
  if (dirs.length === 0) return base;
  const current = (base.PATH ?? '').split(delimiter).filter((d) => d !== '');
  env.PATH = [...dirs, ...current.filter((d) => !dirs.includes(d))].join(delimiter);
  return env;
}
