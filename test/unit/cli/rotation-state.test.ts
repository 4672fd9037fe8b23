// The record of an unfinished `cairn repo password update` on the encryption Secret.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { formatPendingRotation, parsePendingRotation } from '../../../src/cli/repo/rotation-state.ts';

const OLD = 'a'.repeat(64);
const NEW = 'b'.repeat(64);

describe('the pending-rotation annotation', () => {
  test('reads back what it writes, components in a stable order', () => {
    const pending = {
      newPasswordSecret: 'demo/new-password',
      oldKeys: { 'repository/v1/s/z': OLD, 'repository/v1/s/a': NEW },
    };
    const text = formatPendingRotation(pending);
    assert.ok(text.indexOf('repository/v1/s/a') < text.indexOf('repository/v1/s/z'));
    assert.deepEqual(parsePendingRotation(text), pending);
  });

  test('an absent or empty annotation means no rotation is pending', () => {
    assert.equal(parsePendingRotation(undefined), undefined);
    assert.equal(parsePendingRotation(''), undefined);
  });

  test('a value Cairn did not write is an error naming the annotation, never ignored', () => {
    for (const bad of [
      '{',
      '[]',
      JSON.stringify({ newPasswordSecret: 'no-namespace', oldKeys: {} }),
      JSON.stringify({ newPasswordSecret: 'a/b', oldKeys: { c: 'not-a-key-id' } }),
      JSON.stringify({ newPasswordSecret: 'a/b', oldKeys: [] }),
    ]) {
      assert.throws(() => parsePendingRotation(bad), /cairn\.dev\/password-rotation-pending/, bad);
    }
  });
});
