// What the restic argv tests share: a local target whose repository is one component path, and a snapshot
// ID in restic's full hex form.
import { buildRepositoryTarget, type ResticTarget } from '../../../../src/restic/target.ts';

export const COMPONENT = 'repository/v1/frequent-backup/manifest';
export const ID = '4f2a9c1e7b3d5f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718';

export function localTarget(): ResticTarget {
  return buildRepositoryTarget({
    storage: { provider: 'local', local: { mountPath: '/safe/data' } },
    encryptionSecret: { RESTIC_PASSWORD: 'pw-local-1234' },
    repositoryPath: 'repo',
    componentPath: COMPONENT,
    secretsDir: '/run/cairn/dst',
  });
}

export const REPO = ['--repo', `/safe/data/repo/${COMPONENT}`];
