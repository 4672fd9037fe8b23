// The two halves of a password rotation (src/restic/key-rotation.ts) on a stand-in repository whose keys
// live in memory: which passwords open it before, between and after, whatever step was interrupted.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { ResticError } from '../../../src/restic/errors.ts';
import {
  addKeyForPassword,
  firstStep,
  removeOldKey,
  rotatePassword,
} from '../../../src/restic/key-rotation.ts';
import type { ResticRepository } from '../../../src/restic/repository.ts';
import type { KeyInfo } from '../../../src/restic/results.ts';

const OLD = 'a'.repeat(64);
const NEW = 'b'.repeat(64);

/** A repository's keys: key ID → the password it opens with. */
type Keyring = Map<string, string>;

/** The subset of ResticRepository the rotation uses, over a Keyring. */
class StandIn {
  readonly location = 'stand-in:/repo';
  readonly ring: Keyring;
  readonly password: string;
  /** What `addKey` really stores instead of the password it was given (a broken restic). */
  readonly mangle: (password: string) => string;

  constructor(ring: Keyring, password: string, mangle = (p: string): string => p) {
    this.ring = ring;
    this.password = password;
    this.mangle = mangle;
  }

  #current(): string | undefined {
    return [...this.ring].find(([, password]) => password === this.password)?.[0];
  }

  keys(): Promise<KeyInfo[]> {
    const current = this.#current();
    if (current === undefined) {
      return Promise.reject(
        new ResticError('wrong password', {
          kind: 'wrong-password',
          retryable: false,
          command: 'restic key list',
          exitCode: 12,
          signal: null,
          stderrTail: '',
        }),
      );
    }
    return Promise.resolve(
      [...this.ring.keys()].map((id) => ({
        id,
        current: id === current,
        userName: 'u',
        hostName: 'h',
        created: '',
      })),
    );
  }

  async addKey(newPassword: string): Promise<string> {
    await this.keys();
    const id = String(this.ring.size).repeat(64).slice(0, 64);
    this.ring.set(id, this.mangle(newPassword));
    return id;
  }

  removeKey(id: string): Promise<void> {
    if (id === this.#current()) return Promise.reject(new Error('restic refuses to remove the key in use'));
    this.ring.delete(id);
    return Promise.resolve();
  }

  withPassword(password: string): StandIn {
    return new StandIn(this.ring, password, this.mangle);
  }
}

const repo = (ring: Keyring, password: string, mangle?: (p: string) => string): ResticRepository =>
  new StandIn(ring, password, mangle) as unknown as ResticRepository;

/** The passwords among `candidates` that open the ring. */
const opening = (ring: Keyring, ...candidates: string[]): string[] =>
  candidates.filter((p) => [...ring.values()].includes(p));

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

describe('the two halves on one repository', () => {
  test('the first half adds a key the new password opens, and the old password still opens it', async () => {
    const ring: Keyring = new Map([[OLD, 'old-pw']]);
    const added = await addKeyForPassword(repo(ring, 'old-pw'), 'new-pw');
    assert.equal(added.step, 'add-key');
    assert.deepEqual(opening(ring, 'old-pw', 'new-pw'), ['old-pw', 'new-pw']);
    assert.equal(added.step === 'add-key' && ring.get(added.newKeyId), 'new-pw');
  });

  test('run again after an interruption, the first half adds nothing', async () => {
    const ring: Keyring = new Map([
      [OLD, 'old-pw'],
      [NEW, 'new-pw'],
    ]);
    assert.deepEqual(await addKeyForPassword(repo(ring, 'old-pw'), 'new-pw'), {
      step: 'key-present',
      oldKeyId: OLD,
      newKeyId: NEW,
    });
    assert.equal(ring.size, 2);
  });

  test('a key the new password does not open is reported, and the old password still works', async () => {
    const ring: Keyring = new Map([[OLD, 'old-pw']]);
    await assert.rejects(
      addKeyForPassword(
        repo(ring, 'old-pw', (p) => `${p}\n`),
        'new-pw',
      ),
      /the new password does not open the key just added .*the old password still works/,
    );
    assert.deepEqual(opening(ring, 'old-pw'), ['old-pw']);
  });

  test('the second half removes the old key once, and never the key its own password opens', async () => {
    const ring: Keyring = new Map([
      [OLD, 'old-pw'],
      [NEW, 'new-pw'],
    ]);
    const next = repo(ring, 'new-pw');
    assert.equal(await removeOldKey(next, NEW), 'in-use');
    assert.equal(ring.size, 2);
    assert.equal(await removeOldKey(next, OLD), 'removed');
    assert.equal(await removeOldKey(next, OLD), 'absent');
    assert.deepEqual(opening(ring, 'old-pw', 'new-pw'), ['new-pw']);
  });

  test('rotatePassword leaves exactly one key, which the new password opens', async () => {
    const ring: Keyring = new Map([[OLD, 'old-pw']]);
    const rotation = await rotatePassword(repo(ring, 'old-pw'), 'new-pw');
    assert.equal(rotation.removedKeyId, OLD);
    assert.deepEqual([...ring], [[rotation.addedKeyId, 'new-pw']]);
  });

  test('rotatePassword refuses a password that opens nothing, and the password in use as the new one', async () => {
    const ring: Keyring = new Map([[OLD, 'old-pw']]);
    await assert.rejects(
      rotatePassword(repo(ring, 'wrong-pw'), 'new-pw'),
      (err: unknown) => err instanceof ResticError && err.kind === 'wrong-password',
    );
    await assert.rejects(
      rotatePassword(repo(ring, 'old-pw'), 'old-pw'),
      /the new password is the one in use/,
    );
    assert.deepEqual([...ring], [[OLD, 'old-pw']]);
  });
});
