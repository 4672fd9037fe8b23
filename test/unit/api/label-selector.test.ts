import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectorMatches } from '../../../src/api/label-selector.ts';

const labels = { team: 'a', env: 'prod' };

void test('an empty selector matches every namespace', () => {
  assert.equal(selectorMatches({}, labels), true);
});

void test('matchLabels must all be present with equal values', () => {
  assert.equal(selectorMatches({ matchLabels: { team: 'a' } }, labels), true);
  assert.equal(selectorMatches({ matchLabels: { team: 'a', env: 'dev' } }, labels), false);
  assert.equal(selectorMatches({ matchLabels: { owner: 'x' } }, labels), false);
});

void test('In, NotIn, Exists and DoesNotExist follow the API machinery', () => {
  const m = (operator: string, values?: string[], key = 'env'): boolean =>
    selectorMatches({ matchExpressions: [{ key, operator, values }] }, labels);
  assert.equal(m('In', ['prod', 'stage']), true);
  assert.equal(m('In', ['dev']), false);
  assert.equal(m('In', ['x'], 'missing'), false);
  assert.equal(m('NotIn', ['dev']), true);
  assert.equal(m('NotIn', ['prod']), false);
  assert.equal(m('NotIn', ['prod'], 'missing'), true);
  assert.equal(m('Exists'), true);
  assert.equal(m('Exists', undefined, 'missing'), false);
  assert.equal(m('DoesNotExist', undefined, 'missing'), true);
  assert.equal(m('DoesNotExist'), false);
});

void test('matchLabels and matchExpressions must both hold', () => {
  const sel = {
    matchLabels: { team: 'a' },
    matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }],
  };
  assert.equal(selectorMatches(sel, labels), false);
});

void test('a malformed selector or an unknown operator matches nothing', () => {
  assert.equal(selectorMatches('team=a', labels), false);
  assert.equal(selectorMatches(null, labels), false);
  assert.equal(selectorMatches({ matchLabels: ['team'] }, labels), false);
  assert.equal(
    selectorMatches({ matchExpressions: [{ key: 'env', operator: 'Equals', values: ['prod'] }] }, labels),
    false,
  );
  assert.equal(selectorMatches({ matchExpressions: [{ operator: 'Exists' }] }, labels), false);
});
