// The operator's settings that are computed rather than given: certificate names and durations.
import type { WantedNames } from '../reconcilers/webhook-cert/cert-plan.ts';

/**
 * The names the serving certificate covers: the Service's in-cluster DNS names (for clientConfig.service)
 * and the loopback names (for clientConfig.url in the dev cluster, and for local probes).
 */
export function servingNames(service: { namespace: string; name: string }): WantedNames {
  const { name, namespace } = service;
  return {
    dnsNames: [
      name,
      `${name}.${namespace}`,
      `${name}.${namespace}.svc`,
      `${name}.${namespace}.svc.cluster.local`,
      'localhost',
    ],
    ipAddresses: ['127.0.0.1', '::1'],
  };
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go-style duration such as `2160h`, `90m` or `1h30m` in milliseconds; throws naming the problem. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;
  let total = 0;
  let matched = 0;
  while (re.lastIndex < text.length) {
    const m = re.exec(text);
    if (!m) break;
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
    matched = re.lastIndex;
  }
  if (text === '' || matched !== text.length || total <= 0) {
    throw new Error(
      `invalid duration ${JSON.stringify(text)}: write a positive duration such as "2160h" or "1h30m"`,
    );
  }
  return total;
}

/** `host:port` → parts; an empty host means every interface. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || port > 65535)
    throw new Error(`invalid address ${JSON.stringify(text)}: write host:port, e.g. 0.0.0.0:9443`);
  return { host: (m[1] ?? '').replace(/^\[|\]$/g, '') || '0.0.0.0', port };
}
