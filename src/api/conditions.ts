// Status conditions as KubeStash objects carry them (the kmodules Condition shape), and the one helper that
// writes them. Phase is always derived from conditions, so every status step goes through `setCondition`.

export const ConditionStatus = {
  True: 'True',
  False: 'False',
  Unknown: 'Unknown',
} as const;
export type ConditionStatus = (typeof ConditionStatus)[keyof typeof ConditionStatus];

export interface Condition {
  type: string;
  status: ConditionStatus;
  /** RFC 3339 in UTC with second precision, as the API server serialises metav1.Time. */
  lastTransitionTime: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
  severity?: string;
}

/** What a caller states about one condition; the transition time is the helper's business. */
export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'>;

/** Formats a date the way metav1.Time appears on the wire, so stored and compared values agree. */
export function formatConditionTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Returns a new list in which the condition of `update.type` is exactly `update`.
 *
 * Guarantees: the input is not modified; the order of other conditions is kept and a new type is appended;
 * at most one condition per type remains; reason, message, observedGeneration and severity are replaced as
 * given (omitted means absent); `lastTransitionTime` is taken from `now()` only when the type is new, its
 * status changes, or the stored time is empty, so the time records when the state flipped, not when it was
 * last re-asserted.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  now: () => Date,
): Condition[] {
  const list = conditions ?? [];
  const previous = list.find((c) => c.type === update.type);
  const keepTime = previous !== undefined && previous.status === update.status && previous.lastTransitionTime;
  const next: Condition = {
    ...withoutUndefined(update),
    lastTransitionTime: keepTime ? previous.lastTransitionTime : formatConditionTime(now()),
  };

  if (previous === undefined) return [...list, next];
  const out: Condition[] = [];
  let placed = false;
  for (const c of list) {
    if (c.type !== update.type) out.push(c);
    else if (!placed) {
      out.push(next);
      placed = true;
    }
  }
  return out;
}

/** Returns a new list without any condition of the given type. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function hasCondition(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type) !== undefined;
}

/** True only when the condition exists and is "True"; an absent condition is neither true nor false. */
export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === ConditionStatus.True;
}

/** True only when the condition exists and is "False"; an absent condition is neither true nor false. */
export function isConditionFalse(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === ConditionStatus.False;
}

function withoutUndefined(update: ConditionUpdate): ConditionUpdate {
  const out: ConditionUpdate = { type: update.type, status: update.status };
  if (update.reason !== undefined) out.reason = update.reason;
  if (update.message !== undefined) out.message = update.message;
  if (update.observedGeneration !== undefined) out.observedGeneration = update.observedGeneration;
  if (update.severity !== undefined) out.severity = update.severity;
  return out;
}
