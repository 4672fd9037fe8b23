// The status condition shape (kmodules Condition) as a schema; the helpers that write conditions live in
// src/api/conditions.ts and use the same shape.
import type { Static } from '@sinclair/typebox';
import { DateTime, Enum, Int64, List, Obj, Opt, Str } from '../schema/builders.ts';
import { ConditionStatus } from '../conditions.ts';
import type { Condition as ConditionShape } from '../conditions.ts';

export function ConditionSchema() {
  return Obj(
    {
      type: Str('What the condition is about, for example BackupExecutorEnsured.'),
      status: Enum(Object.values(ConditionStatus), 'Whether the condition holds.'),
      lastTransitionTime: DateTime('When the status last changed.'),
      reason: Opt(Str('A machine-readable word for why the condition has its status.')),
      message: Opt(Str('A human-readable explanation.')),
      observedGeneration: Opt(Int64('The metadata.generation the condition was computed for.')),
      severity: Opt(Str('How serious a False condition is: Error, Warning or Info.')),
    },
    'One observation about the object.',
  );
}

export function Conditions(description = 'Conditions of the object, at most one per type.') {
  return List(ConditionSchema(), description);
}

export type Condition = Static<ReturnType<typeof ConditionSchema>>;

// The schema and the helpers' interface must describe the same shape.
const _toSchema = (c: ConditionShape): Condition => c;
const _fromSchema = (c: Condition): ConditionShape => c;
void _toSchema;
void _fromSchema;
