// Settings → the server's initializationOptions. Pure (no `vscode` import) so it is unit-tested.

export type Expect = 'static' | 'report';

/** `linklens.logLevel`: which engine events reach the "linklens" output channel. */
export type LogLevel = 'off' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

const LOG_LEVELS: readonly LogLevel[] = ['off', 'error', 'warn', 'info', 'debug', 'trace'];

/** The server contract's initializationOptions. */
export interface InitializationOptions {
  expect: Expect;
  buildFlags: string[];
  env: { [key: string]: string };
  codelens: boolean;
  logLevel: LogLevel;
  /** false in untrusted workspaces: the server then starts no `go` subprocess. */
  runGo: boolean;
}

/** Reads one key of the `linklens` section; shaped like vscode's WorkspaceConfiguration.get. */
export type ConfigGetter = (key: string) => unknown;

const DEFAULT_EXPECT: Expect = 'static';

/**
 * Normalises what the user wrote in settings.json, which VS Code does not validate:
 * a wrong type falls back to the default instead of reaching the server.
 */
export function toInitializationOptions(get: ConfigGetter, trusted: boolean): InitializationOptions {
  const expectRaw = get('expect');
  const expect: Expect = expectRaw === 'static' || expectRaw === 'report' ? expectRaw : DEFAULT_EXPECT;

  const flagsRaw = get('buildFlags');
  const buildFlags = Array.isArray(flagsRaw)
    ? flagsRaw.filter((f): f is string => typeof f === 'string' && f.trim() !== '')
    : [];

  const env: { [key: string]: string } = {};
  const envRaw = get('env');
  // VS Code already drops workspace values of restricted settings in untrusted workspaces; we drop all of
  // `env` there too, because a user-level CC or CGO_ENABLED only matters to a `go` run that will not happen.
  if (trusted && envRaw !== null && typeof envRaw === 'object' && !Array.isArray(envRaw)) {
    for (const [k, v] of Object.entries(envRaw as Record<string, unknown>)) {
      if (!k) continue;
      // Numbers and booleans are common slips ({"CGO_ENABLED": 0}); env values are strings.
      if (typeof v === 'string') env[k] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') env[k] = String(v);
    }
  }

  const codelensRaw = get('codelens');
  const codelens = typeof codelensRaw === 'boolean' ? codelensRaw : true;

  const logLevelRaw = get('logLevel');
  const logLevel: LogLevel = LOG_LEVELS.find((l) => l === logLevelRaw) ?? 'warn';

  return { expect, buildFlags, env, codelens, logLevel, runGo: trusted };
}

/** Settings whose change needs a new server process (the rest the server re-pulls by itself). */
export const RESTART_SETTINGS = ['linklens.server.path', 'go.goroot', 'go.alternateTools'];

/**
 * The value returned when the server pulls section `linklens` via workspace/configuration: what VS Code
 * has, with the same normalisation and `runGo` as the initializationOptions, so both paths agree.
 */
export function configurationForServer(raw: unknown, trusted: boolean): Record<string, unknown> {
  const obj = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  return { ...obj, ...toInitializationOptions((k) => obj[k], trusted) };
}
