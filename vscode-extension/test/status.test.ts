import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { breaksExpectation, isStatusResult, ItemSeverity, StatusResult, viewOf } from '../src/status';

const dynamic: StatusResult = {
  package: 'example.com/shop/cmd/api',
  verdict: 'dynamic',
  label: 'dynamic: libc.so.6',
  severity: 'info',
  markdown: '# example.com/shop/cmd/api links dynamically',
};

test('dynamic main package while expecting static: Warning, label from the server', () => {
  const v = viewOf(dynamic, 'static');
  assert.equal(v.text, '$(link) dynamic: libc.so.6');
  assert.equal(v.severity, ItemSeverity.Warning);
  assert.equal(v.detail, 'linking of example.com/shop/cmd/api (expected: static)');
  assert.equal(v.explainable, true);
});

test('dynamic with expect=report is only information', () => {
  const v = viewOf(dynamic, 'report');
  assert.equal(v.severity, ItemSeverity.Information);
  assert.equal(v.detail, 'linking of example.com/shop/cmd/api');
});

test('static is information; the server severity can raise it', () => {
  const s: StatusResult = { ...dynamic, verdict: 'static', label: 'static', severity: 'ok' };
  assert.equal(viewOf(s, 'static').severity, ItemSeverity.Information);
  assert.equal(viewOf(s, 'static').text, '$(link) static');
  assert.equal(viewOf({ ...s, severity: 'warning' }, 'report').severity, ItemSeverity.Warning);
  assert.equal(viewOf({ ...s, verdict: 'fails', label: 'build fails', severity: 'error' }, 'static').severity, ItemSeverity.Error);
});

test('a failing build breaks any expectation; unknown breaks none', () => {
  assert.equal(breaksExpectation('fails', 'report'), true);
  assert.equal(breaksExpectation('dynamic', 'static'), true);
  assert.equal(breaksExpectation('unknown', 'static'), false);
  assert.equal(breaksExpectation(null, 'static'), false);
});

test('a file outside any main package is not explainable', () => {
  const v = viewOf({ package: null, verdict: null, label: 'not a main package', severity: 'info', markdown: '' }, 'static');
  assert.equal(v.explainable, false);
  assert.equal(v.text, 'not a main package');
  assert.equal(v.severity, ItemSeverity.Information);
});

test('the server\'s "linklens: " label prefix is dropped in the item', () => {
  assert.equal(viewOf({ ...dynamic, label: 'linklens: dynamic: libc.so.6' }, 'static').text, '$(link) dynamic: libc.so.6');
});

test('empty label falls back to the verdict; no result yet shows a placeholder', () => {
  assert.equal(viewOf({ ...dynamic, label: ' ' }, 'report').text, '$(link) dynamic');
  assert.equal(viewOf(undefined, 'static').explainable, false);
});

test('isStatusResult rejects malformed responses', () => {
  assert.equal(isStatusResult(dynamic), true);
  assert.equal(isStatusResult(null), false);
  assert.equal(isStatusResult({ label: 'x' }), false);
  assert.equal(isStatusResult('static'), false);
});
