/**
 * The rubric: one YAML file per lab (`rubrics/<lab>.yaml`) saying what is graded, for how
 * many points, on which cases, within which tolerances. This schema is the single source of
 * truth for the format and for its TypeScript types.
 */
import { z } from 'zod';
import { GRADCHECK_DEFAULTS, GradcheckSettings } from './gradcheck';
import { REFERENCE_TOLERANCE, Tolerance } from './compare';
import { SpecDocument, SpecError, SpecIssue } from './spec-files';

const Shape = z.array(z.number().int().nonnegative());
const Params = z.record(z.string(), z.unknown());

const ToleranceSchema = z
  .object({
    rtol: z.number().nonnegative().describe('relative tolerance: |actual - expected| <= atol + rtol * |expected|'),
    atol: z.number().nonnegative().describe('absolute tolerance'),
  })
  .strict();

const GradcheckSchema = z
  .object({
    numeric: z.boolean(),
    eps: z.number().positive(),
    atol: z.number().nonnegative(),
    rtol: z.number().nonnegative(),
    mode: z.enum(['auto', 'full', 'fast']),
    max_full: z.number().int().positive(),
    projections: z.number().int().positive(),
  })
  .strict();

const CaseSchema = z
  .object({
    name: z.string().min(1).optional().describe('label shown in feedback; defaults to the seed or fixture'),
    seed: z.number().int().nonnegative().optional().describe('inputs drawn from this seed'),
    shapes: z.record(z.string(), Shape).optional().describe("input shapes, overriding the op's"),
    scale: z.number().positive().optional().describe('standard deviation of drawn float inputs'),
    fixture: z.string().min(1).optional().describe('a named case in fixtures/cases/<lab>.yaml'),
    params: Params.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if ((c.seed === undefined) === (c.fixture === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a case needs exactly one of `seed` (drawn inputs) or `fixture` (named inputs)' });
    }
  });

export const VISIBILITIES = ['visible', 'hidden', 'after_due_date'] as const;
export const CHECKS = ['forward', 'backward', 'throws'] as const;
export const SCORINGS = ['all_or_nothing', 'proportional'] as const;

const Bound = z.object({ min: z.number().optional(), max: z.number().optional() }).strict();

const ItemSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'ids are lower-case letters, digits, ".", "_" and "-"'),
    title: z.string().min(1),
    points: z.number().positive(),
    op: z.string().min(1).describe('the operation called, as named in graders/<lab>.ops.ts'),
    check: z
      .enum(CHECKS)
      .describe('forward compares outputs; backward compares gradients; throws passes when the forward throws an Error (a bad input refused rather than answered with NaN)'),
    grads: z
      .array(z.string().regex(/^[^*]*\*?[^*]*$/, 'a gradient name, or a name with one `*` (any characters): W_ih_l*'))
      .min(1)
      .optional()
      .describe("backward: the gradients compared, by the name of the input they belong to (default: every gradient the op's backward returns)"),
    outputs: z.array(z.string()).min(1).optional().describe('forward outputs compared (default: all)'),
    bounds: z.record(z.string(), Bound).optional().describe('check these outputs against bounds instead of the reference'),
    cases: z.array(CaseSchema).min(1),
    tolerance: ToleranceSchema.partial().optional(),
    gradcheck: GradcheckSchema.partial().optional(),
    visibility: z.enum(VISIBILITIES).optional(),
    timeout: z.number().positive().optional().describe('seconds for the whole item'),
    scoring: z.enum(SCORINGS).optional(),
    hints: z.array(z.string().min(1)).optional(),
    mutants: z.array(z.string()).optional().describe('known mistakes this item diagnoses (fixtures/mutants/<lab>/)'),
    builds_on: z
      .array(z.string())
      .optional()
      .describe("more basic items this one depends on beyond what its op's functions show (a method of a class): when one of them fails too, this item's failure is attributed to it"),
    figure: z
      .object({ output: z.string().min(1), title: z.string().min(1).optional(), rows: z.string().optional(), columns: z.string().optional() })
      .strict()
      .optional()
      .describe("a heat map of this output (the student's beside the reference's, first case) in the feedback"),
  })
  .strict();

const DefaultsSchema = z
  .object({
    tolerance: ToleranceSchema.partial(),
    gradcheck: GradcheckSchema.partial(),
    visibility: z.enum(VISIBILITIES),
    timeout: z.number().positive(),
    scoring: z.enum(SCORINGS),
  })
  .strict()
  .partial();

export const RubricSchema = z
  .object({
    lab: z.string().regex(/^[a-z][a-z0-9-]*$/),
    title: z.string().min(1),
    files: z.array(z.string().regex(/^[A-Za-z0-9_./-]+\.ts$/, 'a TypeScript file inside labs/<lab>/')).min(1).describe('what students edit'),
    due: z.iso.datetime({ offset: true }).optional().describe('after_due_date items are shown after this'),
    defaults: DefaultsSchema.optional(),
    downstream: z
      .enum(['charged', 'forgiven'])
      .optional()
      .describe('whether an item that fails only because a more basic item fails still loses its points (default charged; say which, and why, in the handout)'),
    release: z
      .object({
        files: z.array(z.string().min(1)).optional().describe('harness files students get with this lab (a demo script, its data); code brings its imports'),
        scripts: z.record(z.string(), z.string()).optional().describe('npm scripts the student release gets for them'),
      })
      .strict()
      .optional(),
    items: z.array(ItemSchema).min(1),
  })
  .strict();

/** Duplicate item ids, found on the raw file so that they are reported with every other problem. */
function duplicateIds(doc: SpecDocument): SpecIssue[] {
  const items = (doc.data as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) return [];
  const seen = new Map<string, number>();
  const issues: SpecIssue[] = [];
  items.forEach((item, i) => {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return;
    if (seen.has(id)) issues.push(doc.issue(['items', i, 'id'], `duplicate item id "${id}" (first at items[${seen.get(id)}])`));
    else seen.set(id, i);
  });
  return issues;
}

export type RubricFile = z.infer<typeof RubricSchema>;
export type CaseSpec = z.infer<typeof CaseSchema>;
export type Params = z.infer<typeof Params>;
export type Visibility = (typeof VISIBILITIES)[number];

type ItemFile = z.infer<typeof ItemSchema>;

/** What the rubric's defaults fill in: every other field of an item is as the file says. */
interface ItemDefaults {
  tolerance: Tolerance;
  gradcheck: GradcheckSettings;
  visibility: Visibility;
  /** Seconds for the whole item, all cases together. */
  timeout: number;
  scoring: (typeof SCORINGS)[number];
  hints: string[];
  mutants: string[];
  builds_on: string[];
}

/** An item with the rubric's defaults applied (a new optional field of the schema appears here by itself). */
export type Item = Omit<ItemFile, keyof ItemDefaults> & ItemDefaults;

/** A rubric with its defaults applied. */
export type Rubric = Omit<RubricFile, 'defaults' | 'items' | 'release' | 'downstream'> & {
  items: Item[];
  /** Whether items failing because of a more basic failing item still lose their points. */
  downstream: NonNullable<RubricFile['downstream']>;
  /** Tools shipped with the lab in a student release. */
  release: { files: string[]; scripts: Record<string, string> };
  /** Where it was read from, for messages. */
  file: string;
};

export const DEFAULT_TIMEOUT_SECONDS = 5;

export function resolveRubric(r: RubricFile, file: string): Rubric {
  const { defaults: d = {}, items, release, downstream, ...rest } = r;
  return {
    ...rest,
    downstream: downstream ?? 'charged',
    release: { files: release?.files ?? [], scripts: release?.scripts ?? {} },
    file,
    items: items.map((it) => ({
      ...it,
      tolerance: { ...REFERENCE_TOLERANCE, ...d.tolerance, ...it.tolerance },
      gradcheck: { ...GRADCHECK_DEFAULTS, ...d.gradcheck, ...it.gradcheck },
      visibility: it.visibility ?? d.visibility ?? 'visible',
      timeout: it.timeout ?? d.timeout ?? DEFAULT_TIMEOUT_SECONDS,
      scoring: it.scoring ?? d.scoring ?? 'proportional',
      hints: it.hints ?? [],
      mutants: it.mutants ?? [],
      builds_on: it.builds_on ?? [],
    })),
  };
}

/** What a rubric is checked against once it parses: the lab's ops, fixtures and mutants. */
export interface LabCatalogue {
  lab: string;
  ops: Record<string, { backward?: unknown; inputs?: Record<string, unknown>; generate?: unknown }>;
  fixtures: ReadonlySet<string>;
  mutants: ReadonlySet<string>;
}

/** Problems that need the lab to see: unknown ops, fixtures, mutants; a backward with no backward. */
export function crossCheck(doc: SpecDocument, r: RubricFile, lab: LabCatalogue): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (r.lab && r.lab !== lab.lab) issues.push(doc.issue(['lab'], `the file is rubrics/${lab.lab}.yaml but says lab "${r.lab}"`));
  r.items.forEach((it, i) => {
    const op = lab.ops[it.op];
    if (!op) {
      issues.push(doc.issue(['items', i, 'op'], `unknown op "${it.op}"; the lab's ops are: ${Object.keys(lab.ops).join(', ')}`));
      return;
    }
    if (it.check === 'backward' && typeof op.backward !== 'function') issues.push(doc.issue(['items', i, 'check'], `op "${it.op}" has no backward`));
    if (it.check !== 'forward' && it.bounds) issues.push(doc.issue(['items', i, 'bounds'], 'bounds apply to forward checks only'));
    if (it.check !== 'forward' && it.figure) issues.push(doc.issue(['items', i, 'figure'], 'figures show forward outputs only'));
    if (it.check !== 'forward' && it.outputs) issues.push(doc.issue(['items', i, 'outputs'], 'outputs apply to forward checks only'));
    if (it.check !== 'backward' && it.grads) issues.push(doc.issue(['items', i, 'grads'], 'grads apply to backward checks only'));
    // With input specs the names are known here; drawn inputs are checked by validate, case by case.
    (it.grads ?? []).forEach((name, k) => {
      if (it.check === 'backward' && op.inputs && typeof op.generate !== 'function' && !Object.keys(op.inputs).some((input) => gradientMatches(name, input))) {
        issues.push(doc.issue(['items', i, 'grads', k], `op "${it.op}" has no input "${name}", so no gradient of that name (inputs: ${Object.keys(op.inputs).join(', ')}); gradients are named after the inputs they belong to`));
      }
    });
    it.cases.forEach((c, k) => {
      if (c.fixture !== undefined && !lab.fixtures.has(c.fixture)) issues.push(doc.issue(['items', i, 'cases', k, 'fixture'], `no fixture "${c.fixture}" in fixtures/cases/${lab.lab}.yaml`));
      if (c.seed !== undefined && !op.inputs && typeof op.generate !== 'function') issues.push(doc.issue(['items', i, 'cases', k, 'seed'], `op "${it.op}" cannot draw inputs from a seed (it declares no inputs); use a fixture`));
      for (const name of Object.keys(c.shapes ?? {})) {
        if (op.inputs && !(name in op.inputs)) issues.push(doc.issue(['items', i, 'cases', k, 'shapes', name], `op "${it.op}" has no input "${name}" (inputs: ${Object.keys(op.inputs).join(', ')})`));
      }
    });
    (it.mutants ?? []).forEach((m, k) => {
      if (!lab.mutants.has(m)) issues.push(doc.issue(['items', i, 'mutants', k], `no mutant "${m}" in fixtures/mutants/${lab.lab}/`));
    });
    (it.builds_on ?? []).forEach((id, k) => {
      const at = r.items.findIndex((other) => other?.id === id);
      if (at < 0) issues.push(doc.issue(['items', i, 'builds_on', k], `no item "${id}" in this rubric`));
      else if (at === i) issues.push(doc.issue(['items', i, 'builds_on', k], 'an item cannot build on itself'));
    });
  });
  return issues;
}

/** What the student process runs for an item: a `throws` check runs the forward. */
export function stageOf(item: Pick<Item, 'check'>): 'forward' | 'backward' {
  return item.check === 'backward' ? 'backward' : 'forward';
}

/** Whether a gradient named `name` is one an item's `grads` entry (a name, or a pattern with one `*`) selects. */
export function gradientMatches(pattern: string, name: string): boolean {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === name;
  const [head, tail] = [pattern.slice(0, star), pattern.slice(star + 1)];
  return name.length >= head.length + tail.length && name.startsWith(head) && name.endsWith(tail);
}

/** The gradients an item compares: those its `grads` select, or all of them. */
export function selectGrads(grads: Record<string, unknown>, patterns: string[] | undefined): Record<string, unknown> {
  if (!patterns) return grads;
  return Object.fromEntries(Object.entries(grads).filter(([name]) => patterns.some((p) => gradientMatches(p, name))));
}

/**
 * The items of a rubric that fails its schema which are well-formed on their own, at their
 * own indices (the others are holes), so that their cross-checks are reported with the
 * schema's problems: every problem at once.
 */
function wellFormedPart(data: unknown): RubricFile {
  const raw = (data ?? {}) as { lab?: unknown; items?: unknown };
  const list = Array.isArray(raw.items) ? raw.items : [];
  const items = new Array<ItemFile>(list.length);
  list.forEach((it, i) => {
    const ok = ItemSchema.safeParse(it);
    if (ok.success) items[i] = ok.data;
  });
  return { lab: typeof raw.lab === 'string' ? raw.lab : '', items } as RubricFile;
}

/** Reads and checks a rubric; throws a SpecError with every problem. */
export function loadRubric(file: string, displayName: string, lab?: LabCatalogue): Rubric {
  const doc = SpecDocument.read(file, displayName);
  const issues = duplicateIds(doc);
  let parsed: RubricFile | undefined;
  try {
    parsed = doc.parseWith(RubricSchema);
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    issues.unshift(...e.issues);
  }
  if (lab) issues.push(...crossCheck(doc, parsed ?? wellFormedPart(doc.data), lab));
  if (issues.length > 0 || !parsed) throw new SpecError(issues);
  return resolveRubric(parsed, displayName);
}
