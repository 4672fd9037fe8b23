import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickDefault } from '../../../src/api/defaults-lookup.ts';
import { keyOf } from '../../../src/api/object-meta.ts';
import { all, namespace, same, selector, storage } from '../webhooks/helpers.ts';

const pick = (cands: unknown[], ns = namespace('app')): string | undefined => {
  const p = pickDefault(cands, ns);
  return p === undefined ? undefined : `${keyOf(p).namespace}/${keyOf(p).name}`;
};

void test('only objects marked default are candidates', () => {
  assert.equal(pick([storage('app', 'a', { usagePolicy: same })]), undefined);
});

void test('a Same default in the own namespace wins over Selector and All defaults elsewhere', () => {
  const cands = [
    storage('shared', 'everyone', { default: true, usagePolicy: all }),
    storage('shared', 'chosen', { default: true, usagePolicy: selector('app') }),
    storage('app', 'own', { default: true, usagePolicy: same }),
  ];
  assert.equal(pick(cands), 'app/own');
});

void test('a matching Selector default wins over an All default', () => {
  const cands = [
    storage('shared', 'everyone', { default: true, usagePolicy: all }),
    storage('shared', 'chosen', { default: true, usagePolicy: selector('app') }),
  ];
  assert.equal(pick(cands), 'shared/chosen');
  assert.equal(pick(cands, namespace('other')), 'shared/everyone');
});

void test('a Same default of another namespace is never picked', () => {
  assert.equal(pick([storage('elsewhere', 'x', { default: true, usagePolicy: same })]), undefined);
});

void test('a default without usagePolicy counts as Same', () => {
  assert.equal(pick([storage('app', 'plain', { default: true })]), 'app/plain');
});

void test('ties are broken by own namespace first, then namespace and name, whatever the list order', () => {
  const a = storage('b-ns', 'z', { default: true, usagePolicy: all });
  const b = storage('a-ns', 'y', { default: true, usagePolicy: all });
  const c = storage('app', 'x', { default: true, usagePolicy: all });
  assert.equal(pick([a, b]), 'a-ns/y');
  assert.equal(pick([b, a]), 'a-ns/y');
  assert.equal(pick([a, b, c]), 'app/x');
});
