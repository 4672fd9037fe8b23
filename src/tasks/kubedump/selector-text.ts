// Label selectors written as text (`app=web,tier in (a,b),!canary`), the form `kubectl -l` and the first
// generation's `labelSelector` parameter take, turned into the LabelSelector object that
// src/api/label-selector.ts evaluates, so there is one matcher whichever way a selector was written.

/** A LabelSelector as the Kubernetes API writes it; matched by `selectorMatches`. */
export interface LabelSelectorObject {
  matchExpressions: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

/** Thrown for text that is not a label selector; the message says what is wrong and where. */
export class SelectorSyntaxError extends Error {}

const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a label key (an optional DNS-subdomain prefix and "/", then a name of ≤ 63), or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `label key ${JSON.stringify(key)} has a prefix that is not a DNS subdomain`;
  }
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) {
    return `${JSON.stringify(key)} is not a label key (at most 63 letters, digits, '-', '_', '.', beginning and ending with a letter or digit, optionally after a prefix and '/')`;
  }
  return undefined;
}

/** Why `value` is not a label value (empty, or ≤ 63 letters, digits, '-', '_', '.'), or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !NAME.test(value)) {
    return `${JSON.stringify(value)} is not a label value (at most 63 letters, digits, '-', '_', '.', beginning and ending with a letter or digit)`;
  }
  return undefined;
}

/**
 * Parses selector text with the grammar of the Kubernetes API machinery: requirements separated by commas,
 * each `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (v1,v2)` or `key notin (v1,v2)`.
 * The empty text selects everything. Numeric comparisons (`key>1`) are refused: a LabelSelector object
 * cannot express them. Throws SelectorSyntaxError naming the offending requirement.
 */
export function parseSelectorText(text: string): LabelSelectorObject {
  const requirements: LabelSelectorObject['matchExpressions'] = [];
  for (const part of splitRequirements(text)) {
    requirements.push(parseRequirement(part));
  }
  return { matchExpressions: requirements };
}

/** Splits at the commas that are not inside a parenthesised value set; blank text gives no requirement. */
function splitRequirements(text: string): string[] {
  if (text.trim() === '') return [];
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (depth < 0) throw new SelectorSyntaxError(`unbalanced ")" at position ${i}`);
    if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw new SelectorSyntaxError('a "(" is not closed');
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

function parseRequirement(part: string): LabelSelectorObject['matchExpressions'][number] {
  if (part === '') throw new SelectorSyntaxError('an empty requirement (two commas in a row?)');
  if (/[<>]/.test(part)) {
    throw new SelectorSyntaxError(
      `${JSON.stringify(part)}: numeric comparisons (> and <) are not supported in a label selector here`,
    );
  }
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (set) {
    const key = checkKey(set[1] ?? '', part);
    const values = (set[3] ?? '').split(',').map((v) => v.trim());
    if (values.length === 1 && values[0] === '') {
      throw new SelectorSyntaxError(`${JSON.stringify(part)}: the value set of "${set[2]}" is empty`);
    }
    for (const v of values) checkValue(v, part);
    return { key, operator: set[2] === 'in' ? 'In' : 'NotIn', values };
  }
  const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
  if (eq) {
    const key = checkKey(eq[1] ?? '', part);
    const value = checkValue(eq[3] ?? '', part);
    return { key, operator: eq[2] === '!=' ? 'NotIn' : 'In', values: [value] };
  }
  if (part.startsWith('!')) {
    return { key: checkKey(part.slice(1).trim(), part), operator: 'DoesNotExist' };
  }
  return { key: checkKey(part, part), operator: 'Exists' };
}

function checkKey(key: string, part: string): string {
  const problem = labelKeyProblem(key);
  if (problem) throw new SelectorSyntaxError(`${JSON.stringify(part)}: ${problem}`);
  return key;
}

function checkValue(value: string, part: string): string {
  const problem = labelValueProblem(value);
  if (problem) throw new SelectorSyntaxError(`${JSON.stringify(part)}: ${problem}`);
  return value;
}
