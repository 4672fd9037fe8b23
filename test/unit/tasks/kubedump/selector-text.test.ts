import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { selectorMatches } from '../../../../src/api/label-selector.ts';
import { SelectorSyntaxError, parseSelectorText } from '../../../../src/tasks/kubedump/selector-text.ts';

function matches(text: string, labels: Record<string, string>): boolean {
  return selectorMatches(parseSelectorText(text), labels);
}

void describe('label selector text', () => {
  void test('the empty text matches every object', () => {
    assert.equal(matches('', {}), true);
    assert.equal(matches('  ', { app: 'x' }), true);
  });

  void test('equality requires the label with that value; == is the same as =', () => {
    assert.equal(matches('k8s-app=kube-dns', { 'k8s-app': 'kube-dns' }), true);
    assert.equal(matches('k8s-app==kube-dns', { 'k8s-app': 'kube-dns' }), true);
    assert.equal(matches('k8s-app=kube-dns', { 'k8s-app': 'other' }), false);
    assert.equal(matches('k8s-app=kube-dns', {}), false);
  });

  void test('inequality matches objects without the label', () => {
    assert.equal(matches('env!=dev', {}), true);
    assert.equal(matches('env!=dev', { env: 'dev' }), false);
  });

  void test('in and notin take value sets with spaces', () => {
    assert.equal(matches('tier in (web, api)', { tier: 'api' }), true);
    assert.equal(matches('tier notin (web,api)', { tier: 'api' }), false);
    assert.equal(matches('tier notin (web,api)', {}), true);
  });

  void test('a bare key requires the label and !key forbids it', () => {
    assert.equal(matches('app,!canary', { app: '' }), true);
    assert.equal(matches('app,!canary', { app: 'x', canary: 'y' }), false);
  });

  void test('every requirement must hold', () => {
    assert.equal(matches('app=web, tier in (a,b)', { app: 'web', tier: 'b' }), true);
    assert.equal(matches('app=web, tier in (a,b)', { app: 'web', tier: 'c' }), false);
  });

  void test('an empty value is a value', () => {
    assert.deepEqual(parseSelectorText('app='), {
      matchExpressions: [{ key: 'app', operator: 'In', values: [''] }],
    });
  });

  void test('malformed text is refused with the requirement named', () => {
    for (const bad of [
      'a=b,',
      'tier in (a',
      'tier in a)',
      'x > 1',
      'a=b=c',
      '!',
      'Bad Key',
      'prefix_/x=y',
      `${'k'.repeat(64)}=v`,
    ]) {
      assert.throws(() => parseSelectorText(bad), SelectorSyntaxError, bad);
    }
  });
});
