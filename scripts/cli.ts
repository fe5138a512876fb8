/**
 * The command line: `gradecheck <command> [options]`. Commands are declared in
 * scripts/commands/; this file only dispatches, prints errors and sets exit codes
 * (0 success, 1 the work found a problem, e.g. points lost, 2 bad usage or input).
 */
import * as path from 'path';
import { CommandIO, CommandSpec, UsageError, helpText, parse } from './command';
import { batch } from './commands/batch';
import { explain } from './commands/explain';
import { grade } from './commands/grade';
import { gradescope } from './commands/gradescope';
import { merge } from './commands/merge';
import { oracle } from './commands/oracle';
import { release } from './commands/release';
import { validate } from './commands/validate';
import { InputError } from '../graders/engine/core/errors';
import { SpecError } from '../graders/engine/core/spec-files';

export const COMMANDS: CommandSpec[] = [grade, validate, oracle, batch, merge, explain, release, gradescope];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'gradecheck: autograding for machine-learning course labs',
    '',
    'Usage: gradecheck <command> [options]   (gradecheck <command> --help for its options)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
    const args = parse(command, rest);
    if (args.values.help) {
      io.out(helpText(command));
      return 0;
    }
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError) {
      io.err(`gradecheck: ${e.message}`);
      return 2;
    }
    if (e instanceof SpecError) {
      io.err(`gradecheck: invalid file${e.issues.length > 1 ? 's' : ''}:\n${e.message}`);
      return 2;
    }
    throw e;
  }
}

export function processIO(): CommandIO {
  return {
    out: (t) => process.stdout.write(t + '\n'),
    err: (t) => process.stderr.write(t + '\n'),
    stdoutTTY: Boolean(process.stdout.isTTY),
    stderrTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
    root: path.resolve(__dirname, '..'),
  };
}
