import type { Static } from '@sinclair/typebox';
import { Bool, Obj, Opt, Str } from '../schema/builders.ts';

/** A parameter an Addon task or a HookTemplate accepts. */
export function ParameterDefinition() {
  return Obj(
    {
      name: Str('Name of the parameter, as used in params and in ${name} references of the Function args.', {
        minLength: 1,
      }),
      usage: Opt(Str('What the parameter does, for users.')),
      required: Opt(Bool('Whether a value must be given; false when absent.')),
      default: Opt(Str('Value used when none is given.')),
    },
    'A parameter: its name, what it does, whether it is required and its default.',
  );
}
export type ParameterDefinition = Static<ReturnType<typeof ParameterDefinition>>;
