// HookTemplate: an action (exec, HTTP, TCP) a hook runs, and where it runs.
import type { Static } from '@sinclair/typebox';
import { Enum, IntOrString, List, Obj, Opt, Str, StringList } from '../schema/builders.ts';
import { AGE_COLUMN } from '../schema/crd.ts';
import type { KindDefinition } from '../schema/crd.ts';
import { EnvVars } from './k8s/container.ts';
import { VolumeMounts, Volumes } from './k8s/volume.ts';
import { ApiVersionField, CATEGORIES_WITH_ALL, CORE_GROUP, KindField, MetadataField } from './meta.ts';
import { ParameterDefinition } from './parameter.ts';
import { OwnerReferenceSchema } from './references.ts';
import { UsagePolicy } from './usage-policy.ts';

function HttpHeaders() {
  return List(
    Obj({ name: Str('Header name.'), value: Str('Header value.') }, 'An HTTP header.'),
    'Headers sent with the request.',
  );
}

function HttpAction(method: string, extra: boolean) {
  return Obj(
    {
      scheme: Opt(Str('HTTP or HTTPS; HTTP when empty.')),
      host: Opt(Str('Host to connect to; the pod IP when empty.')),
      port: IntOrString('Port number or name to connect to.'),
      path: Opt(Str('Path of the request.')),
      httpHeaders: Opt(HttpHeaders()),
      ...(extra
        ? {
            body: Opt(Str('Body of the request; Go templates are expanded.')),
            form: Opt(
              List(
                Obj(
                  { key: Str('Form key.'), values: Opt(StringList('Values of the key.')) },
                  'A form field.',
                ),
                'Form fields sent as the body.',
              ),
            ),
          }
        : {}),
    },
    `An HTTP ${method} request.`,
  );
}

export const HookTemplateSpec = Obj(
  {
    usagePolicy: Opt(UsagePolicy('HookTemplate')),
    params: Opt(List(ParameterDefinition(), 'Parameters the hooks that use this template may set.')),
    action: Opt(
      Obj(
        {
          exec: Opt(
            Obj(
              { command: Opt(StringList('The command and its arguments; Go templates are expanded.')) },
              'Run a command in the container.',
            ),
          ),
          httpGet: Opt(HttpAction('GET', false)),
          httpPost: Opt(HttpAction('POST', true)),
          tcpSocket: Opt(
            Obj(
              {
                host: Opt(Str('Host to connect to; the pod IP when empty.')),
                port: IntOrString('Port number or name to connect to.'),
              },
              'Open a TCP connection.',
            ),
          ),
          containerName: Opt(Str('The container the action runs in; the first container when empty.')),
        },
        'What the hook does: one of exec, httpGet, httpPost or tcpSocket.',
      ),
    ),
    executor: Opt(
      Obj(
        {
          type: Enum(
            ['Function', 'Pod', 'Operator'],
            'Where the action runs: in a Job running a Function, in existing pods, or in the operator.',
          ),
          function: Opt(
            Obj(
              {
                name: Str('Name of the Function.'),
                env: Opt(EnvVars('Environment variables of the Function container.')),
                volumes: Opt(Volumes('Volumes of the Job.')),
                volumeMounts: Opt(VolumeMounts('Mounts of the Function container.')),
              },
              'The Function to run, for type Function.',
            ),
          ),
          pod: Opt(
            Obj(
              {
                selector: Str('Labels of the pods to run in, as k1=v1,k2=v2.'),
                owner: Opt(OwnerReferenceSchema('Only pods owned by this object.')),
                strategy: Opt(
                  Enum(['ExecuteOnOne', 'ExecuteOnAll'], 'Run in one matching pod or in every one.', {
                    default: 'ExecuteOnOne',
                  }),
                ),
              },
              'The pods to run in, for type Pod.',
            ),
          ),
        },
        'Where the action runs.',
        {
          rules: [
            {
              rule: "self.type != 'Function' || has(self.function)",
              message:
                'spec.executor.function is required when spec.executor.type is Function: name the Function to run',
              fieldPath: '.function',
              reason: 'FieldValueRequired',
            },
            {
              rule: "self.type != 'Pod' || has(self.pod)",
              message:
                'spec.executor.pod is required when spec.executor.type is Pod: give the selector of the pods to run in',
              fieldPath: '.pod',
              reason: 'FieldValueRequired',
            },
          ],
        },
      ),
    ),
  },
  'What the hook does, where it runs, and who may use the template.',
);
export type HookTemplateSpec = Static<typeof HookTemplateSpec>;

export const HookTemplate = Obj(
  {
    apiVersion: ApiVersionField(CORE_GROUP),
    kind: KindField('HookTemplate'),
    metadata: MetadataField(),
    spec: HookTemplateSpec,
  },
  'A HookTemplate is an action (a command, an HTTP request, a TCP check) that hooks of BackupConfigurations and RestoreSessions run before or after their work.',
);
export type HookTemplate = Static<typeof HookTemplate>;

export const HookTemplateKind: KindDefinition = {
  group: CORE_GROUP,
  kind: 'HookTemplate',
  plural: 'hooktemplates',
  singular: 'hooktemplate',
  scope: 'Namespaced',
  shortNames: [],
  categories: CATEGORIES_WITH_ALL,
  statusSubresource: false,
  printerColumns: [
    {
      name: 'Executor',
      type: 'string',
      jsonPath: '.spec.executor.type',
      description: 'Where the action runs.',
    },
    {
      name: 'Timeout',
      type: 'string',
      jsonPath: '.spec.timeout',
      description: 'How long the action may run.',
    },
    AGE_COLUMN,
  ],
  schema: HookTemplate,
};
