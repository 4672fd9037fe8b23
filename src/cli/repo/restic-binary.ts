// Which restic `cairn repo` runs: `--restic` when given; else `restic` on PATH; else the restic the
// project's setup builds into its cache ($CAIRN_CACHE, default ~/.cache/cairn, under
// bin/restic-<version>/), so that `cairn repo …` works right after `make demo` on a machine without restic.
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { binaryPaths } from '../../devcluster/toolchain.ts';
import { RepoCliError } from './errors.ts';

/** The restic binary to run; a RepoCliError saying where it looked and how to fix it when there is none. */
export function findRestic(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined) {
    const path = resolve(explicit);
    if (!isExecutable(path)) throw new RepoCliError(`--restic ${path} is not an executable file`);
    return path;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    const path = join(dir, 'restic');
    if (isExecutable(path)) return path;
  }
  const built = setupRestic(env);
  if (built !== undefined && isExecutable(built)) return built;
  throw new RepoCliError(
    'restic was not found on PATH' +
      (built !== undefined ? ` nor at ${built}, where 'make setup' builds it` : '') +
      ': install restic (Cairn is tested with v0.19.1) or pass --restic PATH',
  );
}

/** Where the project's setup puts restic; undefined when the pinned versions are not shipped here. */
function setupRestic(env: NodeJS.ProcessEnv): string | undefined {
  try {
    return binaryPaths(env).restic;
  } catch {
    return undefined;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
