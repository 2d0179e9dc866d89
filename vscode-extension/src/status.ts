// The `linklens/status` response → what the language status item shows. Pure, unit-tested.
import type { Expect } from './settings';

export type Verdict = 'static' | 'dynamic' | 'fails' | 'unknown';

/** Result of the custom request `linklens/status` (server contract). */
export interface StatusResult {
  package: string | null;
  verdict: Verdict | null;
  label: string;
  severity: 'ok' | 'info' | 'warning' | 'error';
  markdown: string;
}

/** Mirrors vscode.LanguageStatusSeverity without importing vscode. */
export enum ItemSeverity {
  Information = 0,
  Warning = 1,
  Error = 2,
}

export interface ItemView {
  text: string;
  detail: string;
  severity: ItemSeverity;
  /** Whether the explanation command makes sense (there is a main package to explain). */
  explainable: boolean;
}

export function isStatusResult(v: unknown): v is StatusResult {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return typeof r.label === 'string' && typeof r.severity === 'string' && typeof r.markdown === 'string';
}

/** Does this verdict break what the user said they expect? */
export function breaksExpectation(verdict: Verdict | null, expect: Expect): boolean {
  if (verdict === 'fails') return true; // a build that fails is bad whatever one expects
  return expect === 'static' && verdict === 'dynamic';
}

export function viewOf(result: StatusResult | undefined, expect: Expect): ItemView {
  if (!result) {
    return { text: 'link: …', detail: 'waiting for linklens', severity: ItemSeverity.Information, explainable: false };
  }
  // The server's label is already short ("static", "dynamic: libc.so.6"); fall back to the verdict.
  // Its "linklens: " prefix (which identifies the code lens) would only repeat the item's purpose here.
  const label = result.label.trim().replace(/^linklens:\s*/i, '') || result.verdict || 'unknown';
  let severity = ItemSeverity.Information;
  if (result.severity === 'error') severity = ItemSeverity.Error;
  else if (result.severity === 'warning' || breaksExpectation(result.verdict, expect)) severity = ItemSeverity.Warning;

  // A Go developer who never heard of linklens should read this as "how will my binary be linked".
  const text = result.package ? `$(link) ${label}` : label;
  // The detail says what the verdict is about, for readers who never heard of linklens.
  const detail = result.package
    ? `linking of ${result.package}${expect === 'static' && result.verdict === 'dynamic' ? ' (expected: static)' : ''}`
    : 'not part of a main package';
  return { text, detail, severity, explainable: result.package !== null && result.markdown.trim() !== '' };
}
