import { readFileSync } from 'node:fs';

/** The version in package.json, the one place it is written (also from dist/: the path is the same depth). */
export function cairnVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
