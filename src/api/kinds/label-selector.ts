import type { Static } from '@sinclair/typebox';
import { Enum, List, Obj, Opt, Str, StringList, StringMap } from '../schema/builders.ts';

/** A Kubernetes label selector: every matchLabels pair and every matchExpressions entry must match. */
export function LabelSelector(description: string) {
  return Obj(
    {
      matchLabels: Opt(StringMap('Labels that must all be present with these values.')),
      matchExpressions: Opt(
        List(
          Obj(
            {
              key: Str('The label key.'),
              operator: Enum(
                ['In', 'NotIn', 'Exists', 'DoesNotExist'],
                'How the label is compared with values.',
              ),
              values: Opt(StringList('Values for In and NotIn; empty for Exists and DoesNotExist.')),
            },
            'One requirement on a label.',
          ),
          'Requirements that must all hold.',
        ),
      ),
    },
    description,
    { mapType: 'atomic' },
  );
}
export type LabelSelector = Static<ReturnType<typeof LabelSelector>>;
