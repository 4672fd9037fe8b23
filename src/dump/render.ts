// The bytes of a dumped object: YAML with every mapping's keys sorted, so the same object always gives the
// same bytes (the basis of stable files) whatever order the server sent its fields in. Pure.
import { stringify } from 'yaml';

/** Deterministic YAML of a JSON value: sorted keys, no line folding, no anchors, a final newline. */
export function renderYaml(value: unknown): string {
  return stringify(value, {
    sortMapEntries: true,
    lineWidth: 0,
    aliasDuplicateObjects: false,
  });
}
