// The decisions of `cairn repo password update` that need no restic: what each component needs, and the
// record of an unfinished rotation.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import {
  firstStep,
  formatPendingRotation,
  parsePendingRotation,
} from '../../../src/cli/repo/rotation-state.ts';

const OLD = 'a'.repeat(64);
const NEW = 'b'.repeat(64);

describe('first phase per component', () => {
  test('only the old password opens it: add a key, and remember the old key for removal', () => {
    assert.deepEqual(firstStep(OLD, undefined), { step: 'add-key', oldKeyId: OLD });
  });

  test('both open it (an interrupted run): add nothing, the old key is still removed later', () => {
    assert.deepEqual(firstStep(OLD, NEW), { step: 'key-present', oldKeyId: OLD });
  });

  test('only the new one opens it: already rotated, nothing to remove', () => {
    assert.deepEqual(firstStep(undefined, NEW), { step: 'already-rotated' });
  });

  test('neither opens it: locked out, nothing is done', () => {
    assert.deepEqual(firstStep(undefined, undefined), { step: 'locked-out' });
  });
});

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
