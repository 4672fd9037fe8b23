// Writing one planned object: create it (no GET first: a create costs one request, and a restore usually
// writes into an empty place), and only when it exists already decide by `overrideResources` whether to
// leave it or update it with server-side apply. Every outcome is one ObjectResult; a failure that a later
// pass may cure (its namespace or type not there yet, a webhook or the server not answering) says so, so
// the engine writes it again instead of reporting it at once.
import { apiVersionOf } from '../api/resource-type.ts';
import { arr, holds, isObject, num, obj, str, type JsonObject } from '../common/json.ts';
import { createRedactor, redact } from '../common/redact.ts';
import { sleep } from '../kube/backoff.ts';
import { apiMessage, errorClass, KubeApiError, statusCode } from '../kube/errors.ts';
import type { KubeClient, KubeObject } from '../kube/types.ts';
import { addMessage, droppedText, type OwnerBook, type OwnerRef } from './relink.ts';
import type { ObjectResult, PlannedObject } from './types.ts';

export interface ApplyContext {
  client: KubeClient;
  book: OwnerBook;
  /** Update existing objects (server-side apply) instead of leaving them untouched. */
  override: boolean;
  fieldManager: string;
  signal?: AbortSignal;
}

/** What writing one object came to. */
export interface Applied {
  result: ObjectResult;
  /** The failure is of a missing dependency or an unavailable server: a later pass may succeed. */
  retry: boolean;
  /** Set when some owners did not exist yet: the ownerReferences written, to be completed by relink. */
  relink?: OwnerRef[];
}

const MAX_MESSAGE = 1_000;
/** Creates sent while the server answers 429 (50, 100, 200 ms apart). */
const THROTTLED_ATTEMPTS = 4;

/** The result skeleton of a planned object. */
export function resultOf(p: PlannedObject): ObjectResult {
  return {
    resource: p.resource,
    ...(p.namespace !== undefined && { namespace: p.namespace }),
    ...(p.sourceNamespace !== undefined && { sourceNamespace: p.sourceNamespace }),
    name: p.name,
    outcome: 'failed',
  };
}

const isSecret = (p: PlannedObject): boolean => p.type.group === '' && p.type.kind === 'Secret';
const isService = (p: PlannedObject): boolean => p.type.group === '' && p.type.kind === 'Service';

/**
 * A redactor for messages about `p`: the credential patterns, and for a Secret also each of its values (as
 * dumped in base64, decoded, and in `stringData`), so an API message that quotes one never shows it.
 */
export function messageRedactor(p: PlannedObject): (text: string) => string {
  if (!isSecret(p)) return (t) => cap(redact(t));
  const values: string[] = [];
  for (const [, v] of Object.entries(obj(p.object.data) ?? {})) {
    if (typeof v !== 'string') continue;
    values.push(v, Buffer.from(v, 'base64').toString('utf8'));
  }
  for (const [, v] of Object.entries(obj(p.object.stringData) ?? {}))
    if (typeof v === 'string') values.push(v);
  const r = createRedactor(values);
  return (t) => cap(r.redact(t));
}

const cap = (t: string): string => (t.length > MAX_MESSAGE ? `${t.slice(0, MAX_MESSAGE)}…` : t);

/** The object as sent: the planned object with these ownerReferences (none: the field left out). */
export function withOwners(p: PlannedObject, refs: readonly OwnerRef[]): KubeObject {
  const meta = { ...(obj(p.object.metadata) ?? {}) };
  delete meta.ownerReferences;
  if (refs.length > 0) meta.ownerReferences = refs;
  if (p.namespace !== undefined) meta.namespace = p.namespace;
  return { ...p.object, apiVersion: apiVersionOf(p.type), kind: p.type.kind, metadata: meta };
}

const causesOf = (err: unknown): { field: string; message: string; reason: string }[] =>
  err instanceof KubeApiError
    ? (err.status?.details?.causes ?? []).map((c) => ({
        field: c.field ?? '',
        message: c.message ?? '',
        reason: c.reason ?? '',
      }))
    : [];

const IMMUTABLE = /immutable|may not change|cannot be changed|may not be changed/i;

/**
 * A failed write as a result. Missing dependencies and unavailable servers are marked for retry; an
 * update rejected on an immutable field names the fields; anything else carries the API's reason and
 * message, redacted.
 */
export function failureOf(p: PlannedObject, err: unknown): Applied {
  const result = resultOf(p);
  const clean = messageRedactor(p);
  const code = statusCode(err);
  const message = apiMessage(err);
  const status = err instanceof KubeApiError ? err.status : undefined;
  const fail = (reason: string, text: string, retry = false): Applied => {
    result.reason = reason;
    result.message = clean(text);
    return { result, retry };
  };
  if (code === 404) {
    if (status?.details?.kind === 'namespaces')
      return fail('NamespaceNotFound', `namespace ${p.namespace ?? ''} does not exist`, true);
    return fail(
      'TypeNotServed',
      `the server does not serve ${p.resource} (${apiVersionOf(p.type)}): ${message}`,
      true,
    );
  }
  if (code === 403 && /being terminated/i.test(message))
    return fail('NamespaceTerminating', `namespace ${p.namespace ?? ''} is being deleted: ${message}`, true);
  if (errorClass(err) === 'retryable') {
    return fail(/webhook/i.test(message) ? 'WebhookUnavailable' : 'ServerUnavailable', message, true);
  }
  const immutable = causesOf(err).filter((c) => IMMUTABLE.test(c.message) || IMMUTABLE.test(c.reason));
  if (code === 422 && (immutable.length > 0 || IMMUTABLE.test(message))) {
    const fields = immutable.map((c) => c.field).filter((f) => f !== '');
    const named = fields.length > 0 ? fields.join(', ') : 'a field';
    const why = immutable.length > 0 ? immutable.map((c) => c.message).join('; ') : message;
    return fail(
      'Immutable',
      `${named} cannot be changed on the existing object (${why}); delete it and restore again to replace it`,
    );
  }
  return fail(status?.reason || (code ? `HTTP${code}` : 'Error'), message);
}

/** The nodePorts the server refused as taken, by index into `spec.ports`. */
function takenNodePorts(err: unknown): number[] {
  if (statusCode(err) !== 422) return [];
  const out: number[] = [];
  for (const c of causesOf(err)) {
    const m = /^spec\.ports\[(\d+)\]\.nodePort$/.exec(c.field);
    if (m && /already allocated/i.test(c.message)) out.push(Number(m[1]));
  }
  return out;
}

/** `body` without the nodePorts at `indexes`, and a sentence of which ports they were and what came instead. */
function withoutNodePorts(body: KubeObject, indexes: readonly number[]): KubeObject {
  const spec = { ...(obj(body.spec) ?? {}) };
  spec.ports = arr(spec.ports).map((port, i) => {
    if (!indexes.includes(i) || !isObject(port)) return port;
    const copy: JsonObject = { ...port };
    delete copy.nodePort;
    return copy;
  });
  return { ...body, spec };
}

function reassignedText(
  sent: KubeObject,
  created: KubeObject,
  indexes: readonly number[],
  kept = false,
): string {
  const was = arr(obj(sent.spec)?.ports);
  const now = arr(obj(created.spec)?.ports);
  return indexes
    .map((i) => {
      const name = str(obj(was[i])?.name) ?? String(i);
      const old = num(obj(was[i])?.nodePort);
      const assigned = num(obj(now[i])?.nodePort);
      const verb = kept ? 'the live Service keeps' : 'the server assigned';
      return `nodePort ${old ?? '?'} of port ${name} was in use; ${verb} ${assigned ?? '?'}`;
    })
    .join('; ');
}

/**
 * Writes one planned object and says what came of it. Owners already known (restored earlier in this run
 * or found in the cluster) are written with their new UIDs; owners the plan writes later are left for
 * relink; owners that exist nowhere are dropped and said. The UID of every object created, updated or
 * found unchanged is recorded for its dependents. Never throws for the object's sake; an abort rejects.
 */
export async function applyObject(ctx: ApplyContext, p: PlannedObject): Promise<Applied> {
  let owners;
  try {
    owners = await ctx.book.resolve(p.owners, true);
  } catch (err) {
    ctx.signal?.throwIfAborted();
    const a = failureOf(p, err);
    a.result.reason = 'OwnerLookupFailed';
    return { ...a, retry: true };
  }
  const body = withOwners(p, owners.refs);
  const done = (a: Applied): Applied => {
    addMessage(a.result, droppedText(owners.dropped));
    if (owners.deferred.length > 0 && a.result.outcome !== 'failed' && a.result.outcome !== 'skipped')
      a.relink = owners.refs;
    return a;
  };
  const opts = { namespace: p.namespace, fieldManager: ctx.fieldManager, signal: ctx.signal };
  try {
    const created = await createThrottled(ctx, p, body, opts);
    ctx.book.record(p, str(created.metadata?.uid));
    return done({ result: { ...resultOf(p), outcome: 'created' }, retry: false });
  } catch (err) {
    ctx.signal?.throwIfAborted();
    if (statusCode(err) === 409) return done(await existing(ctx, p, body));
    const taken = isService(p) ? takenNodePorts(err) : [];
    if (taken.length === 0) return done(failureOf(p, err));
    const second = withoutNodePorts(body, taken);
    try {
      const created = await ctx.client.create(p.type, second, opts);
      ctx.book.record(p, str(created.metadata?.uid));
      const result: ObjectResult = { ...resultOf(p), outcome: 'created', reason: 'NodePortReassigned' };
      result.message = reassignedText(body, created, taken);
      return done({ result, retry: false });
    } catch (err2) {
      ctx.signal?.throwIfAborted();
      // The port is checked before the name: a Service that exists already answers the second create.
      if (statusCode(err2) === 409) return done(await existing(ctx, p, body));
      return done(failureOf(p, err2));
    }
  }
}

/**
 * A create, sent again after a short pause while the server answers 429: a type whose CRD just became
 * Established answers so for a moment while its storage initialises, and waiting a few milliseconds here is
 * cheaper than a whole further pass.
 */
async function createThrottled(
  ctx: ApplyContext,
  p: PlannedObject,
  body: KubeObject,
  opts: { namespace?: string | undefined; fieldManager: string; signal?: AbortSignal | undefined },
): Promise<KubeObject> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ctx.client.create(p.type, body, opts);
    } catch (err) {
      if (statusCode(err) !== 429 || attempt >= THROTTLED_ATTEMPTS - 1) throw err;
      await sleep(50 * 2 ** attempt, ctx.signal);
      ctx.signal?.throwIfAborted();
    }
  }
}

/** The object exists: left untouched, or (override) brought to the dumped state by server-side apply. */
async function existing(ctx: ApplyContext, p: PlannedObject, body: KubeObject): Promise<Applied> {
  const result = resultOf(p);
  try {
    if (p.type.group === '' && p.type.kind === 'Namespace') {
      // A namespace still being deleted takes every object written into it down with it: wait for it.
      const live = await ctx.client.find(p.type, p.name, undefined, ctx.signal);
      if (str(obj(live?.status)?.phase) === 'Terminating') {
        result.reason = 'NamespaceTerminating';
        result.message = `namespace ${p.name} is being deleted; it is created again once it is gone`;
        return { result, retry: true };
      }
    }
    if (!ctx.override) {
      result.outcome = 'skipped';
      result.reason = 'AlreadyExists';
      result.message = 'exists already; left untouched (overrideResources is false)';
      return { result, retry: false };
    }
    const live = await ctx.client.get(p.type, p.name, p.namespace, ctx.signal);
    const before = str(live.metadata?.resourceVersion);
    const update = async (desired: KubeObject): Promise<Applied> => {
      if (holds(live, desired)) {
        ctx.book.record(p, str(live.metadata?.uid));
        return { result: { ...result, outcome: 'unchanged', reason: 'AlreadyExists' }, retry: false };
      }
      const applied = await ctx.client.apply(p.type, desired, {
        fieldManager: ctx.fieldManager,
        force: true,
        signal: ctx.signal,
      });
      ctx.book.record(p, str(applied.metadata?.uid));
      const changed = str(applied.metadata?.resourceVersion) !== before;
      return {
        result: { ...result, outcome: changed ? 'updated' : 'unchanged', reason: 'AlreadyExists' },
        retry: false,
      };
    };
    try {
      return await update(body);
    } catch (err) {
      // A dumped nodePort another Service holds now: keep the one the live Service has.
      const taken = isService(p) ? takenNodePorts(err) : [];
      if (taken.length === 0) throw err;
      const a = await update(withoutNodePorts(body, taken));
      addMessage(a.result, reassignedText(body, live, taken, true));
      return a;
    }
  } catch (err) {
    ctx.signal?.throwIfAborted();
    return failureOf(p, err);
  }
}
