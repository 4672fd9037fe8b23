import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { Command } from 'commander';

/**
 * `cairn debug …`: small probes for checking a runtime from inside a pod (the local pod runner's
 * tests use them). They print what they checked, never a value they compare against. Registering them
 * loads nothing beyond commander: the Kubernetes client is imported by the one probe that uses it.
 */
export function registerDebugCommands(program: Command): void {
  const debug = new Command('debug').description('probes to check a pod runtime from inside a pod');
  program.addCommand(debug, { hidden: true });

  debug
    .command('exit')
    .argument('<code>', 'exit code')
    .description('exit with the given code')
    .action((code: string) => {
      process.exit(Number(code));
    });

  debug
    .command('sleep')
    .argument('<seconds>')
    .description('sleep, e.g. to stand for a long-running container')
    .action(async (seconds: string) => {
      await delay(Number(seconds) * 1000);
    });

  debug
    .command('expect-env')
    .argument('<name>')
    .argument('<value>')
    .description('succeed when environment variable <name> equals <value>')
    .action((name: string, value: string) => {
      if (process.env[name] !== value)
        fail(`env ${name}: ${process.env[name] === undefined ? 'not set' : 'differs'}`);
      process.stdout.write(`env ${name}: as expected\n`);
    });

  debug
    .command('expect-file')
    .argument('<path>')
    .argument('<value>')
    .description('succeed when the file at <path> holds exactly <value>')
    .action((path: string, value: string) => {
      if (!existsSync(path)) fail(`file ${path}: missing`);
      if (readFileSync(path, 'utf8') !== value) fail(`file ${path}: content differs`);
      process.stdout.write(`file ${path}: as expected\n`);
    });

  debug
    .command('fail-once')
    .argument('<marker>', 'a file path that records the first run')
    .description('fail the first time (creating <marker>), succeed from then on')
    .action((marker: string) => {
      if (!existsSync(marker)) {
        writeFileSync(marker, 'ran\n');
        fail(`first run: created ${marker}`);
      }
      process.stdout.write('second run: succeeded\n');
    });

  debug
    .command('list-secrets')
    .description("list Secrets in the pod's namespace with the pod's own identity")
    .action(async () => {
      const [{ kubeClient }, { K8S }, { apiMessage, statusCode }] = await Promise.all([
        import('../kube/connect.ts'),
        import('../api/resource-type.ts'),
        import('../kube/errors.ts'),
      ]);
      const client = kubeClient();
      try {
        const list = await client.list(K8S.secrets, { namespace: client.namespace });
        process.stdout.write(`listed ${list.items.length} secrets in ${client.namespace}\n`);
      } catch (err) {
        fail(`list secrets in ${client.namespace}: HTTP ${statusCode(err) ?? '?'}: ${apiMessage(err)}`);
      }
    });
}

function fail(msg: string): never {
  process.stderr.write(`${msg}\n`);
  process.exit(1);
}
