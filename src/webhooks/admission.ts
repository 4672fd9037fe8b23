// AdmissionReview (admission.k8s.io/v1) in and out: parse the request, run the route, shape the answer.
import { decisionMessage, type Decision } from './decision.ts';
import { at, deepEqual, isObject, str } from '../common/json.ts';
import type { AdmissionInput, ClusterReader, WebhookRoute } from './routes.ts';

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: {
    code: number;
    reason: string;
    message: string;
    details?: { causes: { field: string; message: string; reason: string }[] };
  };
  patchType?: 'JSONPatch';
  patch?: string;
  warnings?: string[];
}

export interface AdmissionReviewOut {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

/** A request body that is not an AdmissionReview v1 with a request: answered with HTTP 400. */
export class BadAdmissionReview extends Error {
  constructor(problem: string) {
    super(`not an admission.k8s.io/v1 AdmissionReview: ${problem}`);
    this.name = 'BadAdmissionReview';
  }
}

export interface ParsedReview {
  uid: string;
  kind: { group: string; version: string; kind: string };
  resource: string;
  subResource: string;
  input: AdmissionInput;
}

/** Reads the request of an AdmissionReview; throws BadAdmissionReview when it is not one. */
export function parseReview(body: unknown): ParsedReview {
  if (!isObject(body) || body.kind !== 'AdmissionReview')
    throw new BadAdmissionReview('kind is not AdmissionReview');
  if (body.apiVersion !== 'admission.k8s.io/v1')
    throw new BadAdmissionReview('apiVersion is not admission.k8s.io/v1');
  const req = body.request;
  if (!isObject(req)) throw new BadAdmissionReview('request is missing');
  const uid = str(req.uid);
  if (!uid) throw new BadAdmissionReview('request.uid is missing');
  return {
    uid,
    kind: {
      group: str(at(req, 'kind', 'group')) ?? '',
      version: str(at(req, 'kind', 'version')) ?? '',
      kind: str(at(req, 'kind', 'kind')) ?? '',
    },
    resource: str(at(req, 'resource', 'resource')) ?? '',
    subResource: str(req.subResource) ?? '',
    input: {
      operation: str(req.operation) ?? '',
      namespace: str(req.namespace) ?? str(at(req, 'object', 'metadata', 'namespace')) ?? '',
      name: str(req.name) || (str(at(req, 'object', 'metadata', 'name')) ?? ''),
      object: req.object ?? undefined,
      oldObject: req.oldObject ?? undefined,
    },
  };
}

/** The AdmissionReview answering `uid` with `decision`. */
export function reviewResponse(uid: string, decision: Decision): AdmissionReviewOut {
  const response: AdmissionResponse = { uid, allowed: decision.allowed };
  if (!decision.allowed) {
    response.status = {
      code: 422,
      reason: 'Invalid',
      message: decisionMessage(decision),
      details: {
        causes: decision.denials.map((d) => ({
          field: d.field,
          message: `${d.problem}; ${d.fix}`,
          reason: 'FieldValueInvalid',
        })),
      },
    };
  } else if (decision.patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(decision.patch)).toString('base64');
  }
  if (decision.warnings.length > 0) response.warnings = decision.warnings;
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

/** The AdmissionReview refusing `uid` because the webhook itself failed (e.g. it could not read the cluster). */
export function errorResponse(uid: string, message: string): AdmissionReviewOut {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: false,
      status: {
        code: 500,
        reason: 'InternalError',
        message: `cairn could not check the object: ${message}; try again`,
      },
    },
  };
}

/**
 * Runs `route` on a parsed review. Passed through untouched: operations other than CREATE and UPDATE and
 * subresources (the configurations do not send them; this keeps a misconfigured one harmless), objects
 * being deleted (so that removing a finalizer is never blocked), and, for validation, updates that leave
 * `spec` as it was (metadata-only changes such as labels or finalizers cannot break a spec rule, and an
 * object that predates a rule stays editable).
 */
export async function admit(
  route: WebhookRoute,
  review: ParsedReview,
  reader: ClusterReader,
): Promise<Decision> {
  const pass: Decision = { allowed: true, denials: [], patch: [], warnings: [] };
  const { operation, object, oldObject } = review.input;
  if ((operation !== 'CREATE' && operation !== 'UPDATE') || review.subResource !== '') return pass;
  if (at(object, 'metadata', 'deletionTimestamp') !== undefined) return pass;
  if (!route.mutating && operation === 'UPDATE' && deepEqual(at(object, 'spec'), at(oldObject, 'spec')))
    return pass;
  return route.handle(review.input, reader);
}
