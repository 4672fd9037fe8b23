// Kubernetes Events (events.k8s.io/v1) about the objects a reconciler acts on: what `kubectl describe` and
// `kubectl get events` show next to the object's conditions. Recording is best effort: an Event that cannot
// be written never fails a reconcile (the condition carries the same news), so errors are swallowed here.
import { K8S } from '../api/resource-type.ts';
import type { KubeClient, KubeObject } from '../kube/types.ts';

export const EventType = {
  Normal: 'Normal',
  Warning: 'Warning',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** The controller name Events carry as `reportingController`. */
export const REPORTING_CONTROLLER = 'cairn.dev/operator';

/** The longest note the API server accepts (1 KiB). */
const MAX_NOTE = 1024;

export interface EventRecord {
  /** The object the Event is about (apiVersion, kind and metadata are read). */
  regarding: KubeObject;
  type: EventType;
  /** UpperCamelCase, e.g. BackendInitializationFailed. */
  reason: string;
  /** What the controller did or tried, UpperCamelCase, e.g. InitializeBackend. */
  action: string;
  /** A human sentence; must hold no secret value. Truncated to the API limit. */
  note: string;
}

/** The Event object for `e` at `now`, named by the server (generateName), in the object's namespace. */
export function eventObject(e: EventRecord, now: Date, instance: string): KubeObject {
  const meta = e.regarding.metadata ?? {};
  const note = e.note.length > MAX_NOTE ? `${e.note.slice(0, MAX_NOTE - 1)}…` : e.note;
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: {
      generateName: `${meta.name ?? 'object'}-`,
      namespace: meta.namespace ?? 'default',
    },
    eventTime: now.toISOString().replace(/Z$/, '000Z'),
    reportingController: REPORTING_CONTROLLER,
    reportingInstance: instance,
    type: e.type,
    reason: e.reason,
    action: e.action,
    note,
    regarding: {
      apiVersion: e.regarding.apiVersion,
      kind: e.regarding.kind,
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
    },
  };
}

/** Writes one Event; never throws (a lost Event must not fail the reconcile that reports it). */
export async function recordEvent(
  client: KubeClient,
  e: EventRecord,
  o: { now?: Date; instance?: string } = {},
): Promise<void> {
  const body = eventObject(e, o.now ?? new Date(), o.instance ?? REPORTING_CONTROLLER);
  try {
    await client.create(K8S.events, body, { namespace: body.metadata?.namespace });
  } catch {
    // Best effort by design: the object's conditions say the same thing.
  }
}
