// Pure parts of `cairn repo`: which components a --component value selects, and what reaches the
// terminal (tables, sizes, redaction of every secret the command holds).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { RepoCliError } from '../../../src/cli/repo/errors.ts';
import type { RepositoryInfo } from '../../../src/repository/objects.ts';
import { SecretBook } from '../../../src/repository/secret-book.ts';
import { Output, bytes, parseFormat, table } from '../../../src/cli/repo/output.ts';
import { selectComponents } from '../../../src/cli/repo/workspace.ts';

const repository: RepositoryInfo = {
  key: { namespace: 'demo', name: 'manifests' },
  path: 'cluster-manifests',
  storageRef: { namespace: 'demo', name: 's3' },
  componentPaths: [
    'repository/v1/frequent-backup/manifest',
    'repository/v1/weekly-backup/manifest',
    'repository/v1/weekly-backup/extra',
  ],
};

describe('--component', () => {
  test('no value selects every component path, in the order of status.componentPaths', () => {
    assert.deepEqual(selectComponents(repository, undefined), repository.componentPaths);
    assert.deepEqual(selectComponents(repository, ''), repository.componentPaths);
  });

  test('the whole path, <session>/<component> or a unique name selects one component', () => {
    for (const wanted of [
      'repository/v1/weekly-backup/extra',
      '/repository/v1/weekly-backup/extra/',
      'extra',
    ]) {
      assert.deepEqual(selectComponents(repository, wanted), ['repository/v1/weekly-backup/extra'], wanted);
    }
    assert.deepEqual(selectComponents(repository, 'frequent-backup/manifest'), [
      'repository/v1/frequent-backup/manifest',
    ]);
  });

  test('an ambiguous name is refused and the message lists the matches', () => {
    assert.throws(
      () => selectComponents(repository, 'manifest'),
      (err: unknown) =>
        err instanceof RepoCliError &&
        /matches 2 components/.test(err.message) &&
        err.message.includes('repository/v1/weekly-backup/manifest') &&
        /give the whole path/.test(err.message),
    );
  });

  test('an unknown component is refused and the message lists what the Repository has', () => {
    assert.throws(
      () => selectComponents(repository, 'weekly-backup/nope'),
      (err: unknown) =>
        err instanceof RepoCliError &&
        err.message.includes('has no component "weekly-backup/nope"') &&
        err.message.includes('repository/v1/frequent-backup/manifest'),
    );
  });
});

function capture(isTTY: boolean): { text: () => string; stream: { write(t: string): void; isTTY: boolean } } {
  let text = '';
  return {
    text: () => text,
    stream: {
      isTTY,
      write(t: string) {
        text += t;
      },
    },
  };
}

describe('output', () => {
  test('every secret the book holds is redacted from results, warnings, errors and progress', () => {
    const book = new SecretBook();
    const password = 'pw-planted-7f3a9c';
    book.add(password, undefined, '');
    const stdout = capture(false);
    const stderr = capture(true);
    const out = new Output('json', book, { stdout: stdout.stream, stderr: stderr.stream });
    book.add('added-later-secret'); // secrets found after the Output was made are redacted too
    out.result({ message: `wrong ${password}` }, () => 'unused');
    out.warn(`warn ${password}`);
    out.error(`error added-later-secret`);
    out.progress(`progress ${password}`);
    const all = stdout.text() + stderr.text();
    assert.equal(all.includes(password), false, all);
    assert.equal(all.includes('added-later-secret'), false, all);
    assert.deepEqual(Object.keys(JSON.parse(stdout.text()) as object), ['message']);
    assert.match(stderr.text(), /^warning: warn /m);
    assert.match(stderr.text(), /^cairn: error /m);
    assert.match(stderr.text(), /^progress /m);
  });

  test('progress lines go to a terminal only; results and errors always appear', () => {
    const stdout = capture(false);
    const stderr = capture(false);
    const out = new Output('table', new SecretBook(), { stdout: stdout.stream, stderr: stderr.stream });
    out.progress('checking …');
    out.result({}, () => 'A  B\n');
    out.error('failed');
    assert.equal(stdout.text(), 'A  B\n');
    assert.equal(stderr.text(), 'cairn: failed\n');
  });

  test('-o accepts table and json and names the flag otherwise', () => {
    assert.equal(parseFormat('json'), 'json');
    assert.equal(parseFormat('table'), 'table');
    assert.throws(() => parseFormat('yaml'), /-o\/--output must be "table" or "json", got "yaml"/);
  });

  test('tables pad every column but the last to its widest cell', () => {
    assert.equal(
      table(
        ['COMPONENT', 'ID'],
        [
          ['repository/v1/s/manifest', 'ab12cd34'],
          ['x', ''],
        ],
      ),
      'COMPONENT                 ID\nrepository/v1/s/manifest  ab12cd34\nx\n',
    );
  });

  test('sizes use binary units with one decimal', () => {
    assert.equal(bytes(0), '0 B');
    assert.equal(bytes(1023), '1023 B');
    assert.equal(bytes(1536), '1.5 KiB');
    assert.equal(bytes(5 * 1024 ** 3), '5.0 GiB');
  });
});
