import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConditionStatus,
  findCondition,
  formatConditionTime,
  hasCondition,
  isConditionFalse,
  isConditionTrue,
  removeCondition,
  setCondition,
} from '../../../src/api/conditions.ts';
import type { Condition } from '../../../src/api/conditions.ts';

const t1 = new Date('2024-02-23T13:25:00.123Z');
const t2 = new Date('2024-02-23T14:00:00.999Z');
const at = (d: Date) => () => d;

void describe('setCondition', () => {
  void test('appends a new condition stamped with the injected clock at second precision', () => {
    const out = setCondition([], { type: 'Ready', status: 'True', reason: 'Done', message: 'ok' }, at(t1));
    assert.deepEqual(out, [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Done',
        message: 'ok',
        lastTransitionTime: '2024-02-23T13:25:00Z',
      },
    ]);
  });

  void test('accepts an undefined list as empty', () => {
    assert.equal(setCondition(undefined, { type: 'A', status: 'False' }, at(t1)).length, 1);
  });

  void test('keeps the transition time when the status does not change but replaces reason and message', () => {
    const first = setCondition([], { type: 'A', status: 'False', reason: 'R1', message: 'm1' }, at(t1));
    const second = setCondition(first, { type: 'A', status: 'False', reason: 'R2', message: 'm2' }, at(t2));
    assert.deepEqual(second, [
      { type: 'A', status: 'False', reason: 'R2', message: 'm2', lastTransitionTime: '2024-02-23T13:25:00Z' },
    ]);
  });

  void test('moves the transition time when the status changes', () => {
    const first = setCondition([], { type: 'A', status: 'False' }, at(t1));
    const second = setCondition(first, { type: 'A', status: 'True' }, at(t2));
    assert.equal(second[0]?.lastTransitionTime, '2024-02-23T14:00:00Z');
  });

  void test('records the observed generation and drops it when a later update omits it', () => {
    const first = setCondition([], { type: 'A', status: 'True', observedGeneration: 3 }, at(t1));
    assert.equal(first[0]?.observedGeneration, 3);
    const second = setCondition(first, { type: 'A', status: 'True', observedGeneration: 4 }, at(t2));
    assert.equal(second[0]?.observedGeneration, 4);
    assert.equal(second[0]?.lastTransitionTime, '2024-02-23T13:25:00Z');
    const third = setCondition(second, { type: 'A', status: 'True' }, at(t2));
    assert.equal('observedGeneration' in (third[0] ?? {}), false);
  });

  void test('does not store keys whose value is undefined', () => {
    const out = setCondition([], { type: 'A', status: 'True', reason: undefined }, at(t1));
    assert.deepEqual(Object.keys(out[0] ?? {}).sort(), ['lastTransitionTime', 'status', 'type']);
  });

  void test('replaces in place and keeps the order of the other conditions', () => {
    const list = [
      { type: 'A', status: 'True', lastTransitionTime: 'x' },
      { type: 'B', status: 'True', lastTransitionTime: 'x' },
      { type: 'C', status: 'True', lastTransitionTime: 'x' },
    ] satisfies Condition[];
    const out = setCondition(list, { type: 'B', status: 'False' }, at(t1));
    assert.deepEqual(
      out.map((c) => `${c.type}=${c.status}`),
      ['A=True', 'B=False', 'C=True'],
    );
  });

  void test('does not modify the list it is given', () => {
    const list: Condition[] = [{ type: 'A', status: 'True', lastTransitionTime: 'x' }];
    const copy = structuredClone(list);
    setCondition(list, { type: 'A', status: 'False' }, at(t1));
    setCondition(list, { type: 'B', status: 'False' }, at(t1));
    assert.deepEqual(list, copy);
  });

  void test('collapses duplicate entries of the same type into one', () => {
    const list: Condition[] = [
      { type: 'A', status: 'True', lastTransitionTime: 'x' },
      { type: 'B', status: 'True', lastTransitionTime: 'x' },
      { type: 'A', status: 'False', lastTransitionTime: 'y' },
    ];
    const out = setCondition(list, { type: 'A', status: 'True' }, at(t1));
    assert.deepEqual(
      out.map((c) => c.type),
      ['A', 'B'],
    );
    assert.equal(out[0]?.lastTransitionTime, 'x');
  });

  void test('stamps a fresh time when the existing entry has none, even if the status is unchanged', () => {
    const list: Condition[] = [{ type: 'A', status: 'True', lastTransitionTime: '' }];
    assert.equal(
      setCondition(list, { type: 'A', status: 'True' }, at(t1))[0]?.lastTransitionTime,
      '2024-02-23T13:25:00Z',
    );
  });

  void test('does not call the clock when the transition time is kept', () => {
    const first = setCondition([], { type: 'A', status: 'True' }, at(t1));
    const clock = () => assert.fail('clock read');
    assert.doesNotThrow(() => setCondition(first, { type: 'A', status: 'True', reason: 'again' }, clock));
  });
});

void describe('condition getters', () => {
  const list: Condition[] = [
    { type: 'Yes', status: ConditionStatus.True, lastTransitionTime: 'x' },
    { type: 'No', status: ConditionStatus.False, lastTransitionTime: 'x' },
    { type: 'Maybe', status: ConditionStatus.Unknown, lastTransitionTime: 'x' },
  ];

  void test('an absent condition is neither true nor false', () => {
    assert.equal(isConditionTrue(list, 'Absent'), false);
    assert.equal(isConditionFalse(list, 'Absent'), false);
    assert.equal(hasCondition(list, 'Absent'), false);
    assert.equal(findCondition(list, 'Absent'), undefined);
  });

  void test('an Unknown condition is neither true nor false but exists', () => {
    assert.equal(isConditionTrue(list, 'Maybe'), false);
    assert.equal(isConditionFalse(list, 'Maybe'), false);
    assert.equal(hasCondition(list, 'Maybe'), true);
  });

  void test('True and False conditions read as such', () => {
    assert.equal(isConditionTrue(list, 'Yes'), true);
    assert.equal(isConditionFalse(list, 'No'), true);
    assert.equal(findCondition(list, 'No')?.status, 'False');
  });

  void test('getters accept an undefined list', () => {
    assert.equal(isConditionTrue(undefined, 'Yes'), false);
    assert.equal(hasCondition(undefined, 'Yes'), false);
  });

  void test('removeCondition drops every entry of the type and leaves the rest', () => {
    assert.deepEqual(
      removeCondition(list, 'No').map((c) => c.type),
      ['Yes', 'Maybe'],
    );
    assert.deepEqual(removeCondition(undefined, 'No'), []);
  });
});

void test('condition times are written as RFC 3339 UTC without fractional seconds', () => {
  assert.equal(formatConditionTime(new Date('2026-01-02T03:04:05.678Z')), '2026-01-02T03:04:05Z');
});
