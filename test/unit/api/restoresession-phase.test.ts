import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RestoreSessionCondition as C,
  restoreSessionComponentsPhase,
  restoreSessionPhase,
} from '../../../src/api/restoresession-phase.ts';
import type { Condition } from '../../../src/api/conditions.ts';
import { cond } from './helpers.ts';

const pushed = cond(C.MetricsPushed, 'True');
const hooksOk = cond(C.PostRestoreHooksExecutionSucceeded, 'True');

function restore(totalComponents: number, phases: Record<string, string>, conditions: Condition[] = []) {
  const components = Object.fromEntries(Object.entries(phases).map(([k, phase]) => [k, { phase }]));
  return { totalComponents, components, conditions };
}

void describe('RestoreSession phase from components (upstream vectors)', () => {
  void test('is Pending when no component has reported', () => {
    assert.equal(restoreSessionPhase(restore(4, {})), 'Pending');
  });

  void test('is Running when any component is running', () => {
    const r = restore(4, {
      manifest: 'Running',
      configserver: 'Pending',
      'shard-0': 'Pending',
      'shard-1': 'Pending',
    });
    assert.equal(restoreSessionPhase(r), 'Running');
  });

  void test('is Running when any component has not completed', () => {
    const r = restore(4, {
      manifest: 'Succeeded',
      configserver: 'Failed',
      'shard-0': 'Failed',
      'shard-1': 'Pending',
    });
    assert.equal(restoreSessionPhase(r), 'Running');
  });

  void test('is Failed when a component failed and metrics were pushed', () => {
    const phases = {
      manifest: 'Failed',
      configserver: 'Failed',
      'shard-0': 'Succeeded',
      'shard-1': 'Succeeded',
    };
    assert.equal(restoreSessionPhase(restore(4, phases, [hooksOk, pushed])), 'Failed');
  });

  void test('is Failed when every component failed and metrics were pushed', () => {
    const phases = { manifest: 'Failed', configserver: 'Failed', 'shard-0': 'Failed', 'shard-1': 'Failed' };
    assert.equal(restoreSessionPhase(restore(4, phases, [hooksOk, pushed])), 'Failed');
  });

  void test('is Failed when a component failed and the rest were never reported', () => {
    assert.equal(restoreSessionPhase(restore(2, { dump: 'Failed' }, [hooksOk, pushed])), 'Failed');
  });

  void test('is Running when a component failed but another is still in progress', () => {
    assert.equal(restoreSessionPhase(restore(3, { manifest: 'Failed', dump: 'Running' })), 'Running');
  });

  void test('is Succeeded when every component succeeded and metrics were pushed', () => {
    const phases = {
      manifest: 'Succeeded',
      configserver: 'Succeeded',
      'shard-0': 'Succeeded',
      'shard-1': 'Succeeded',
    };
    assert.equal(restoreSessionPhase(restore(4, phases, [hooksOk, pushed])), 'Succeeded');
  });

  void test('is Running when every component succeeded but the final step has not run', () => {
    const phases = {
      manifest: 'Succeeded',
      configserver: 'Succeeded',
      'shard-0': 'Succeeded',
      'shard-1': 'Succeeded',
    };
    assert.equal(restoreSessionPhase(restore(0, phases)), 'Running');
  });
});

void describe('RestoreSession phase with Unknown components', () => {
  void test('is Unknown when every component finished, none failed and one is Unknown', () => {
    assert.equal(restoreSessionComponentsPhase(restore(2, { a: 'Succeeded', b: 'Unknown' })), 'Unknown');
  });

  void test('reports Unknown without waiting for the final step', () => {
    assert.equal(restoreSessionPhase(restore(2, { a: 'Succeeded', b: 'Unknown' })), 'Unknown');
  });

  void test('is Failed when every component finished and one failed alongside an Unknown', () => {
    assert.equal(restoreSessionComponentsPhase(restore(2, { a: 'Failed', b: 'Unknown' })), 'Failed');
  });
});

void describe('RestoreSession phase from conditions', () => {
  void test('is Failed as soon as pushing metrics failed', () => {
    assert.equal(
      restoreSessionPhase(restore(1, { a: 'Succeeded' }, [cond(C.MetricsPushed, 'False')])),
      'Failed',
    );
  });

  void test('is Invalid when validation failed', () => {
    assert.equal(restoreSessionPhase(restore(1, {}, [cond(C.ValidationPassed, 'False')])), 'Invalid');
  });

  void test('a failed metrics push outranks failed validation', () => {
    const conditions = [cond(C.ValidationPassed, 'False'), cond(C.MetricsPushed, 'False')];
    assert.equal(restoreSessionPhase(restore(1, {}, conditions)), 'Failed');
  });

  const failingSteps: [string, Condition][] = [
    ['pre-restore hooks failed', cond(C.PreRestoreHooksExecutionSucceeded, 'False')],
    ['post-restore hooks failed', cond(C.PostRestoreHooksExecutionSucceeded, 'False')],
    ['the restore executor could not be ensured', cond(C.RestoreExecutorEnsured, 'False')],
    ['the restore executor terminated before completion', cond(C.RestoreIncomplete, 'True')],
  ];
  for (const [what, failure] of failingSteps) {
    void test(`is Failed after the final step when ${what}`, () => {
      assert.equal(restoreSessionPhase(restore(1, {}, [failure, pushed])), 'Failed');
    });

    void test(`waits for the final step before failing when ${what}`, () => {
      assert.equal(restoreSessionPhase(restore(1, { a: 'Succeeded' }, [failure])), 'Running');
    });
  }

  void test('is Pending with no status at all', () => {
    assert.equal(restoreSessionPhase(undefined), 'Pending');
  });
});
