/**
 * Commands as data: each command declares its options once (name, type, description), and
 * this module turns that into an argv parser and a --help page. Commands are plain functions
 * of parsed arguments; only scripts/cli.ts prints errors and picks exit codes.
 */
import { parseArgs } from 'util';
import { Assignment, ASSIGNMENT_FILE, chooseAssignment } from '../graders/engine/core/assignment';

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  /** Shown in help: `--out DIR`. */
  placeholder?: string;
  short?: string;
}

export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout/stderr are terminals (colour, progress bars). */
  stdoutTTY: boolean;
  stderrTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The harness checkout this command belongs to. */
  root: string;
}

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** `SUBMISSIONS` etc., shown in usage. */
  positionals?: Array<{ name: string; description: string; required: boolean }>;
  options: Record<string, OptionSpec>;
  /** Extra help text after the options. */
  details?: string;
  run(args: Parsed, io: CommandIO): Promise<number>;
}

/** A mistake in how a command was called: one line, exit code 2. */
export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const HELP: OptionSpec = { type: 'boolean', description: 'show this help', short: 'h' };

export function parse(spec: CommandSpec, argv: string[]): Parsed {
  const options = { ...spec.options, help: HELP };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(options).map(([k, o]) => [k, o.short ? { type: o.type, short: o.short } : { type: o.type }])),
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(`${spec.name}: ${(e as Error).message.split('\n')[0].replace(/\. To specify.*$/, '')}`);
  }
  const values = parsed.values as Parsed['values'];
  if (values.help) return { values, positionals: parsed.positionals };
  const allowed = spec.positionals ?? [];
  if (parsed.positionals.length > allowed.length) throw new UsageError(`${spec.name}: unexpected argument "${parsed.positionals[allowed.length]}"`);
  const missing = allowed.filter((p, i) => p.required && parsed.positionals[i] === undefined);
  if (missing.length) throw new UsageError(`${spec.name}: missing ${missing.map((p) => p.name).join(', ')}`);
  return { values, positionals: parsed.positionals };
}

export function helpText(spec: CommandSpec): string {
  const pos = (spec.positionals ?? []).map((p) => (p.required ? p.name : `[${p.name}]`)).join(' ');
  const lines = [`gradecheck ${spec.name}${pos ? ' ' + pos : ''} [options]`, '', spec.summary, ''];
  if (spec.positionals?.length) {
    lines.push('Arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(24)} ${p.description}`);
    lines.push('');
  }
  lines.push('Options:');
  const all = { ...spec.options, help: HELP };
  for (const [name, o] of Object.entries(all)) {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.placeholder ? ' ' + o.placeholder : ''}`;
    lines.push(`  ${flag.padEnd(24)} ${o.description}`);
  }
  if (spec.details) lines.push('', spec.details);
  return lines.join('\n');
}

// ----- shared option readers --------------------------------------------------------------------

export function stringOption(args: Parsed, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function listOption(args: Parsed, name: string): string[] | undefined {
  const v = stringOption(args, name);
  if (v === undefined) return undefined;
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError(`--${name} needs a comma-separated list`);
  return list;
}

export function choiceOption<T extends string>(args: Parsed, name: string, choices: readonly T[], fallback: T): T {
  const v = stringOption(args, name);
  if (v === undefined) return fallback;
  if (!choices.includes(v as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, not "${v}"`);
  return v as T;
}

export function numberOption(args: Parsed, name: string, opts: { min?: number; integer?: boolean } = {}): number | undefined {
  const v = stringOption(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw new UsageError(`--${name} must be ${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}, not "${v}"`);
  }
  return n;
}

// ----- the assignment: which labs, decided once for every command ----------------------------

/** `--labs` and `--assignment`, declared once for the commands that grade or ship labs. */
export const ASSIGNMENT_OPTIONS: Record<'labs' | 'assignment', OptionSpec> = {
  labs: { type: 'string', placeholder: 'a,b', description: `the labs (with an assignment: some of its labs)` },
  assignment: { type: 'string', placeholder: 'FILE', description: `the assignment file, whose labs: [...] are the labs (default: ${ASSIGNMENT_FILE} in this folder, if there is one)` },
};

/** The assignment of a command: see graders/engine/core/assignment.ts. */
export function assignmentOption(args: Parsed, io: CommandIO, command: string, required: boolean): Assignment {
  return chooseAssignment({ root: io.root, cwd: io.cwd, file: stringOption(args, 'assignment'), labs: listOption(args, 'labs'), required, command });
}
