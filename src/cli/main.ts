import { Command } from 'commander';
import { registerDebugCommands } from './debug.ts';
import { registerDevClusterCommands } from './devcluster.ts';
import { registerOperatorCommand } from './operator.ts';
import { registerRepoCommands } from './repo.ts';
import { cairnVersion } from './version.ts';

const program = new Command('cairn')
  .description('Cairn: Kubernetes manifest backups into restic repositories, speaking the KubeStash API')
  .version(cairnVersion(), '--version', 'print the version')
  .showHelpAfterError();

program
  .command('version')
  .description('print the version of cairn and of the tools it was built against')
  .action(() => {
    process.stdout.write(`cairn ${cairnVersion()}\n`);
  });

registerDevClusterCommands(program);
registerDebugCommands(program);
registerOperatorCommand(program);
registerRepoCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`cairn: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
