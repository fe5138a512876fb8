/**
 * Commands as data: each command declares its options once (name, kind, help, how the text is
 * read), and this module turns that into an argv parser, a --help page and typed access
 * (`args.get('memory')` is a number or undefined). Options several commands take are declared
 * once in SHARED_OPTIONS. Commands are plain functions of parsed arguments; only scripts/cli.ts
 * prints errors and picks exit codes.
 */
import { parseArgs } from 'util';
import { Assignment, ASSIGNMENT_FILE, chooseAssignment } from '../graders/engine/core/assignment';
import { RESULTS_FORMAT, RESULTS_VERSION } from '../graders/engine/core/results';
import { SANDBOX_MODES } from '../graders/engine/host/sandbox';

/**
 * One option: its flag's kind, its help, and how its text is read into a value of type `T`
 * (`read`, which throws a UsageError for a bad value). Declared once; commands that take the
 * same option share its declaration (SHARED_OPTIONS) and read it back typed (`args.get`).
 */
export interface OptionSpec<T = unknown> {
  type: 'string' | 'boolean';
  description: string;
  /** Shown in help: `--out DIR`. */
  placeholder?: string;
  short?: string;
  /** The value from what was given (undefined: not given). Default: the text, or whether the flag was given. */
  read?: (given: string | boolean | undefined, name: string, command: string) => T;
}

export type Options = Record<string, OptionSpec>;

/** What `args.get` returns for an option: its reader's type, else a flag's boolean or a text. */
export type OptionValue<S> = S extends { read?: (given: never, name: string, command: string) => infer T } ? (unknown extends T ? GivenValue<S> : T) : GivenValue<S>;
type GivenValue<S> = S extends { type: 'boolean' } ? boolean : string | undefined;

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

export interface Parsed<O extends Options = Options> {
  /** The options as given, by name. */
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** A declared option's value, read with its type; a bad value throws a UsageError when it is read. */
  get<K extends keyof O & string>(name: K): OptionValue<O[K]>;
}

export interface CommandSpec<O extends Options = Options> {
  name: string;
  summary: string;
  /** `SUBMISSIONS` etc., shown in usage. */
  positionals?: Array<{ name: string; description: string; required: boolean }>;
  options: O;
  /** Extra help text after the options. */
  details?: string;
  run(args: Parsed<O>, io: CommandIO): Promise<number>;
}

/** A command, its options' types inferred from their declarations. */
export function defineCommand<O extends Options>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
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

/** The options as given, with typed access to each declared one. */
function parsedArgs<O extends Options>(spec: CommandSpec<O>, values: Parsed['values'], positionals: string[]): Parsed<O> {
  return {
    values,
    positionals,
    get(name) {
      const option: OptionSpec | undefined = spec.options[name];
      // A name the command does not declare is the command's bug, not the user's.
      if (!option) throw new Error(`gradecheck ${spec.name} reads --${name}, which it does not declare`);
      const given = values[name];
      if (option.read) return option.read(given, name, spec.name) as OptionValue<O[typeof name]>;
      return (option.type === 'boolean' ? given === true : typeof given === 'string' ? given : undefined) as OptionValue<O[typeof name]>;
    },
  };
}

export function parse<O extends Options>(spec: CommandSpec<O>, argv: string[]): Parsed<O> {
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
  if (values.help) return parsedArgs(spec, values, parsed.positionals);
  const allowed = spec.positionals ?? [];
  if (parsed.positionals.length > allowed.length) throw new UsageError(`${spec.name}: unexpected argument "${parsed.positionals[allowed.length]}"`);
  const missing = allowed.filter((p, i) => p.required && parsed.positionals[i] === undefined);
  if (missing.length) throw new UsageError(`${spec.name}: missing ${missing.map((p) => p.name).join(', ')}`);
  return parsedArgs(spec, values, parsed.positionals);
}

export function helpText<O extends Options>(spec: CommandSpec<O>): string {
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

// ----- kinds of options, and the options commands share ---------------------------------------

/** A flag: true when given. */
export function flag(description: string): OptionSpec<boolean> {
  return { type: 'boolean', description, read: (given) => given === true };
}

/** An option that takes a text, read by `fromText` when given; `absent` when not. */
function textOption<T, A>(placeholder: string, description: string, absent: A, fromText: (given: string, name: string) => T): OptionSpec<T | A> {
  return { type: 'string', placeholder, description, read: (given, name) => (typeof given === 'string' ? fromText(given, name) : absent) };
}

/** A text (a file, a folder, a name): undefined when not given. */
export function text(placeholder: string, description: string): OptionSpec<string | undefined> {
  return textOption(placeholder, description, undefined, (given) => given);
}

/** `a,b,c`: undefined when not given; given, at least one name. */
export function list(placeholder: string, description: string): OptionSpec<string[] | undefined> {
  return textOption(placeholder, description, undefined, (given, name) => {
    const items = given.split(',').map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) throw new UsageError(`--${name} needs a comma-separated list`);
    return items;
  });
}

/** One of `choices`; `fallback` when not given. */
export function choice<T extends string>(placeholder: string, description: string, choices: readonly T[], fallback: T): OptionSpec<T> {
  return textOption(placeholder, description, fallback, (given, name) => {
    if (!choices.includes(given as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, not "${given}"`);
    return given as T;
  });
}

/** A number (an integer, at least `min`, where asked): undefined when not given. */
export function number(placeholder: string, description: string, limits: { min?: number; integer?: boolean } = {}): OptionSpec<number | undefined> {
  return textOption(placeholder, description, undefined, (given, name) => {
    const n = Number(given);
    if (!Number.isFinite(n) || (limits.integer && !Number.isInteger(n)) || (limits.min !== undefined && n < limits.min)) {
      throw new UsageError(`--${name} must be ${limits.integer ? 'an integer' : 'a number'}${limits.min !== undefined ? ` >= ${limits.min}` : ''}, not "${given}"`);
    }
    return n;
  });
}

/** The option, which the command cannot do without: `batch: --out DIR is required` when it is not given. */
export function required<T>(option: OptionSpec<T | undefined>): OptionSpec<T> {
  return {
    ...option,
    read(given, name, command) {
      const value = option.read ? option.read(given, name, command) : given;
      if (value === undefined || value === '') throw new UsageError(`${command}: --${name}${option.placeholder ? ` ${option.placeholder}` : ''} is required`);
      return value as T;
    },
  };
}

/** The same option with the help a command gives it. */
export function described<T>(option: OptionSpec<T>, description: string): OptionSpec<T> {
  return { ...option, description };
}

/** Options several commands take, declared once. */
export const SHARED_OPTIONS = {
  labs: list('a,b', 'the labs (with an assignment: some of its labs)'),
  assignment: text('FILE', `the assignment file, whose labs: [...] are the labs (default: ${ASSIGNMENT_FILE} in this folder, if there is one)`),
  sandbox: choice('MODE', `isolation of student code: ${SANDBOX_MODES.join('|')} (default auto)`, SANDBOX_MODES, 'auto'),
  memory: number('MB', 'heap cap of the student process (default 512)', { min: 64, integer: true }),
  json: text('FILE', `also write the results file (schema ${RESULTS_FORMAT} v${RESULTS_VERSION})`),
  out: text('DIR', 'output folder (required)'),
};

// ----- the assignment: which labs, decided once for every command ----------------------------

/** `--labs` and `--assignment`, declared once for the commands that grade or ship labs. */
export const ASSIGNMENT_OPTIONS = { labs: SHARED_OPTIONS.labs, assignment: SHARED_OPTIONS.assignment };

/** The assignment of a command: see graders/engine/core/assignment.ts. */
export function assignmentOption(args: Parsed<typeof ASSIGNMENT_OPTIONS>, io: CommandIO, command: string, required: boolean): Assignment {
  return chooseAssignment({ root: io.root, cwd: io.cwd, file: args.get('assignment'), labs: args.get('labs'), required, command });
}
