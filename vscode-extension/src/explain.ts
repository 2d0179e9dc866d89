// Read-only Markdown documents holding the server's explanations, shown with markdown.showPreview.
// A content provider (rather than an untitled document) keeps them read-only and never asks to save.
import * as path from 'path';
import * as vscode from 'vscode';

export const EXPLAIN_SCHEME = 'linklens-explain';

export class ExplainProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  /** Stores the explanation for the Go file `target` and returns the document that shows it. */
  set(target: vscode.Uri, markdown: string): vscode.Uri {
    // One document per package directory: every file of a main package has the same explanation.
    const dir = path.posix.dirname(target.path);
    const doc = vscode.Uri.from({
      scheme: EXPLAIN_SCHEME,
      path: `/${path.posix.basename(dir)} linking.md`,
      query: dir,
    });
    this.contents.set(doc.toString(), markdown);
    this.changed.fire(doc); // refreshes a preview that is already open
    return doc;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? 'This explanation is no longer available: run "linklens: Explain How This Go Binary Will Be Linked" again.';
  }

  dispose(): void {
    this.changed.dispose();
  }
}
