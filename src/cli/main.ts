// The `cairn` executable: builds the program for this argv (loading only the modules of the command that
// runs, see program.ts) and runs it.
import { buildProgram } from './program.ts';

const args = process.argv.slice(2);
try {
  await (await buildProgram(args)).parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`cairn: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
