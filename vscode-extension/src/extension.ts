// VS Code front end of the linklens language server: starts `linklens serve` over stdio, shows the
// current main package's predicted link mode as a language status item, and renders explanations.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { discoverServer } from './discovery';
import { ExplainProvider, EXPLAIN_SCHEME } from './explain';
import { serverProcessEnv } from './goenv';
import { configurationForServer, toInitializationOptions, Expect, RESTART_SETTINGS } from './settings';
import { clearDiagnosticsWhenStopped, DOCUMENT_SELECTOR } from './selector';
import { isStatusResult, ItemSeverity, StatusResult, viewOf } from './status';

const DOCUMENTS = DOCUMENT_SELECTOR satisfies vscode.DocumentFilter[];
const STATUS_REQUEST = 'linklens/status';
const SERVER_EXPLAIN = 'linklens.explain';

let extension: Linklens | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extension = new Linklens(context);
  context.subscriptions.push(extension);
  await extension.start();
}

export async function deactivate(): Promise<void> {
  await extension?.stop();
}

class Linklens implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly output = vscode.window.createOutputChannel('linklens');
  private readonly status = vscode.languages.createLanguageStatusItem('linklens.linkMode', {
    language: 'go',
    scheme: 'file',
  });
  private readonly explanations = new ExplainProvider();
  private readonly disposables: vscode.Disposable[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshSeq = 0;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.status.name = 'Go binary linking (linklens)';
    this.status.text = 'link: …';
    this.status.accessibilityInformation = { label: 'Predicted linking of this Go binary' };

    this.disposables.push(
      this.output,
      this.status,
      vscode.workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, this.explanations),
      this.explanations,
      vscode.commands.registerCommand('linklens.restartServer', () => this.restart()),
      vscode.commands.registerCommand('linklens.showExplanation', (uri?: unknown) => this.showExplanation(uri)),
      vscode.window.onDidChangeActiveTextEditor(() => this.scheduleRefresh(0)),
      vscode.workspace.onDidSaveTextDocument(() => this.scheduleRefresh()),
      // The server publishes diagnostics after each re-analysis; that is when the verdict may change.
      vscode.languages.onDidChangeDiagnostics(() => this.scheduleRefresh()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (RESTART_SETTINGS.some((s) => e.affectsConfiguration(s))) void this.restart();
        else if (e.affectsConfiguration('linklens')) this.scheduleRefresh(500);
      }),
      // Trust unlocks running `go`, which the server only learns at initialization.
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.restart()),
    );
  }

  async start(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const found = discoverServer({
      settingPath: vscode.workspace.getConfiguration('linklens').get<string>('server.path'),
      extensionPath: this.context.extensionPath,
      envPath: process.env.PATH,
      homeDir: os.homedir(),
      workspaceFolder: folder,
      platform: process.platform,
      isExecutable,
    });
    if (!found.ok) {
      this.output.appendLine(`${found.message}\nTried:\n  ${found.tried.join('\n  ')}`);
      this.setStatusError('no server', found.message);
      void this.offerSettings(found.message);
      return;
    }
    this.output.appendLine(`Starting ${found.path} serve (${found.source})`);

    // No `transport` on purpose: TransportKind.stdio would append `--stdio`, which `linklens serve` does not take.
    const goConfig = vscode.workspace.getConfiguration('go');
    const env = serverProcessEnv(
      process.env,
      { goroot: goConfig.get('goroot'), alternateTools: goConfig.get('alternateTools') },
      { trusted: vscode.workspace.isTrusted, platform: process.platform },
    );
    if (env.PATH !== process.env.PATH) this.output.appendLine(`Using Go from vscode-go settings: PATH=${env.PATH}`);
    const run = { command: found.path, args: ['serve'], options: { env, ...(folder ? { cwd: folder } : {}) } };
    const serverOptions: ServerOptions = { run, debug: run };
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENTS,
      outputChannel: this.output,
      traceOutputChannel: this.output,
      initializationOptions: () =>
        toInitializationOptions((k) => vscode.workspace.getConfiguration('linklens').get(k), vscode.workspace.isTrusted),
      synchronize: { configurationSection: 'linklens' },
      middleware: {
        workspace: {
          // The server also pulls `linklens`: give it the same normalised values plus runGo.
          configuration: async (params, token, next) => {
            const result = await next(params, token);
            if (!Array.isArray(result)) return result;
            return result.map((value: unknown, i: number) =>
              params.items[i]?.section === 'linklens' ? configurationForServer(value, vscode.workspace.isTrusted) : value,
            );
          },
        },
        // The server's code lens runs `linklens.explain`, whose result (Markdown) the client would drop;
        // route the click to our command, which renders it.
        provideCodeLenses: async (document, token, next) => {
          const lenses = await next(document, token);
          for (const lens of lenses ?? []) {
            if (lens.command?.command === SERVER_EXPLAIN) {
              lens.command = { ...lens.command, command: 'linklens.showExplanation' };
            }
          }
          return lenses;
        },
      },
    };

    const client = new LanguageClient('linklens', 'linklens', serverOptions, clientOptions);
    this.client = client;
    // No stale warnings in the Problems panel after the server crashed, failed or was stopped.
    clearDiagnosticsWhenStopped(client, State.Stopped);
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) this.scheduleRefresh(0);
      else if (e.newState === State.Stopped && this.client === client) this.setStatusError('server stopped', 'The linklens server is not running. Run "linklens: Restart Language Server".');
    });
    try {
      await client.start();
    } catch (e) {
      const msg = `The linklens server (${found.path}) failed to start: ${errorText(e)}`;
      this.output.appendLine(msg);
      this.setStatusError('server failed', msg);
      void this.offerSettings(msg);
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client && client.state !== State.Stopped) {
      try {
        await client.stop(2000);
      } catch (e) {
        this.output.appendLine(`Stopping the server: ${errorText(e)}`);
      }
    }
  }

  private async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private async offerSettings(message: string): Promise<void> {
    const open = 'Open Settings';
    const log = 'Show Log';
    const choice = await vscode.window.showErrorMessage(`linklens: ${message}`, open, log);
    // The setting is machine-overridable: in a remote window (SSH, WSL, code-server) it lives in the
    // remote machine's settings, which the plain settings editor's User tab does not show.
    const command = vscode.env.remoteName ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings';
    if (choice === open) await vscode.commands.executeCommand(command, { query: 'linklens.server.path' });
    else if (choice === log) this.output.show(true);
  }

  private expect(uri: vscode.Uri | undefined): Expect {
    const v = vscode.workspace.getConfiguration('linklens', uri).get('expect');
    return v === 'report' ? 'report' : 'static';
  }

  private scheduleRefresh(delayMs = 200): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refreshStatus(), delayMs);
  }

  private async refreshStatus(): Promise<void> {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || doc.languageId !== 'go' || doc.uri.scheme !== 'file') return; // the item is hidden anyway
    const client = this.client;
    if (!client || client.state !== State.Running) return;
    const seq = ++this.refreshSeq;
    this.status.busy = true;
    try {
      const raw: unknown = await client.sendRequest(STATUS_REQUEST, {
        textDocument: { uri: client.code2ProtocolConverter.asUri(doc.uri) },
      });
      if (seq !== this.refreshSeq) return; // a newer refresh (other editor) won
      this.applyStatus(isStatusResult(raw) ? raw : undefined, doc.uri);
    } catch (e) {
      if (seq !== this.refreshSeq) return;
      this.setStatusError('unknown', `linklens/status failed: ${errorText(e)}`);
    } finally {
      if (seq === this.refreshSeq) this.status.busy = false;
    }
  }

  private applyStatus(result: StatusResult | undefined, uri: vscode.Uri): void {
    const view = viewOf(result, this.expect(uri));
    this.status.text = view.text;
    this.status.detail = view.detail;
    this.status.severity = toVscodeSeverity(view.severity);
    this.status.command = view.explainable
      ? { title: 'Explain', command: 'linklens.showExplanation', arguments: [uri.toString()], tooltip: 'Why this binary links this way, and how to change it' }
      : undefined;
  }

  private setStatusError(text: string, detail: string): void {
    this.status.text = `link: ${text}`;
    this.status.detail = detail;
    this.status.severity = vscode.LanguageStatusSeverity.Error;
    this.status.busy = false;
    this.status.command = { title: 'Restart', command: 'linklens.restartServer' };
  }

  /** Asks the server for the Markdown explanation of `target` (default: active Go file) and previews it. */
  private async showExplanation(target?: unknown): Promise<void> {
    const uri = toUri(target) ?? vscode.window.activeTextEditor?.document.uri;
    if (!uri) {
      void vscode.window.showInformationMessage('linklens: open a Go file of a main package to see how it will be linked.');
      return;
    }
    const client = this.client;
    if (!client || client.state !== State.Running) {
      void vscode.window.showErrorMessage('linklens: the language server is not running.', 'Restart').then((c) => {
        if (c) void this.restart();
      });
      return;
    }
    let markdown: unknown;
    try {
      markdown = await client.sendRequest(ExecuteCommandRequest.type, {
        command: SERVER_EXPLAIN,
        arguments: [client.code2ProtocolConverter.asUri(uri)],
      });
    } catch (e) {
      void vscode.window.showErrorMessage(`linklens: could not get the explanation: ${errorText(e)}`);
      return;
    }
    if (typeof markdown !== 'string' || markdown.trim() === '') {
      void vscode.window.showInformationMessage(`linklens: ${path.basename(uri.fsPath)} is not part of a main package, so there is no binary to explain.`);
      return;
    }
    const doc = this.explanations.set(uri, markdown);
    await vscode.commands.executeCommand('markdown.showPreview', doc);
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    void this.stop();
    for (const d of this.disposables) d.dispose();
  }
}

function isExecutable(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    if (process.platform !== 'win32') fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function toUri(v: unknown): vscode.Uri | undefined {
  if (v instanceof vscode.Uri) return v;
  if (typeof v === 'string' && v) return vscode.Uri.parse(v);
  return undefined;
}

function toVscodeSeverity(s: ItemSeverity): vscode.LanguageStatusSeverity {
  switch (s) {
    case ItemSeverity.Error:
      return vscode.LanguageStatusSeverity.Error;
    case ItemSeverity.Warning:
      return vscode.LanguageStatusSeverity.Warning;
    default:
      return vscode.LanguageStatusSeverity.Information;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
