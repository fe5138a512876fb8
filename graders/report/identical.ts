/**
 * Identical wrong numbers: students whose code returned bit-identical answers on a failing case,
 * where that answer is neither the reference's nor any known mistake's (mutant's). A known
 * mistake legitimately gives everyone who makes it the same numbers, and that is its diagnosis,
 * not a signal; two students who share a wrong number nothing explains may have shared code.
 *
 * Results keep only a digest of each failing answer (`value_digest`, values.ts); the known
 * answers are digested the same way from the expected values (the whole value the item's check
 * returns: all forward outputs, or all gradients), and kept beside the batch's output so that
 * `merge` can use them without the harness's reference. A student whose item is diagnosed as a
 * known mistake is left out of that item even when their bits differ from the mutant's (another
 * way of writing the same mistake rounds otherwise), and so is an item whose failure follows from
 * a more basic one (`root_cause`): a known mistake in a layer norm makes every encoder layer
 * built on it wrong in the same bits. For the same reason, students who all have one known
 * mistake diagnosed in a lab are not grouped for that lab's other identical answers. Answers
 * with nothing continuous in them (ids, masks) coincide too easily to mean anything, and so do
 * all zeros and all NaN. Pure.
 */
import type { ExpectedBundle } from '../engine/core/expected';
import type { Lab } from '../engine/core/labs';
import type { Results } from '../engine/core/results';
import { Value, Values, hasContinuous, isFloatTensor, isRecord, isTensor, valueDigest } from '../engine/core/values';

/** The known answers of one case: their digests, and whether the case's values are continuous. */
export interface KnownCase {
  digests: string[];
  continuous: boolean;
}

/** Lab, item id, case label: the answers a student may legitimately share with others. */
export type KnownAnswers = Record<string, Record<string, Record<string, KnownCase>>>;

/** The same value with every float (numbers, float tensors) set to `x`. */
function filled(v: Value, x: number): Value {
  if (typeof v === 'number') return x;
  if (isFloatTensor(v)) return { shape: v.shape, data: new Float64Array(v.data.length).fill(x) };
  if (isTensor(v)) return v;
  if (Array.isArray(v)) return v.map((e) => filled(e, x));
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, filled(e, x)]));
  return v;
}

/** A backward that returns the upstream gradient unchanged (it forgot the local derivative). */
function passedThrough(grads: Values, upstream: Values | undefined): Values | undefined {
  const ups = Object.values(upstream ?? {}).filter(isTensor);
  if (ups.length !== 1) return undefined;
  const up = ups[0];
  const out: Values = {};
  for (const [k, g] of Object.entries(grads)) {
    if (!isTensor(g) || g.shape.join() !== up.shape.join()) return undefined;
    out[k] = up;
  }
  return out;
}

/** The known answers of a lab's items, from its expected values. */
export function knownAnswersOf(lab: Lab, bundle: ExpectedBundle): KnownAnswers[string] {
  const known: KnownAnswers[string] = {};
  for (const item of lab.rubric.items) {
    const exp = bundle.items[item.id];
    if (!exp) continue;
    known[item.id] = {};
    for (const e of exp.cases) {
      const answer = item.check === 'forward' ? e.outputs : e.grads ?? {};
      const compared = item.check === 'forward' && item.outputs ? Object.fromEntries(item.outputs.map((k) => [k, e.outputs[k]])) : answer;
      // Zeros of either sign: bit for bit, -0 is not 0.
      const values: Values[] = [answer, filled(answer, 0) as Values, filled(answer, -0) as Values, filled(answer, NaN) as Values];
      const through = item.check === 'backward' ? passedThrough(answer, e.upstream) : undefined;
      if (through) values.push(through);
      for (const m of Object.values(e.mutants)) if (m.value) values.push(m.value);
      known[item.id][e.label] = { digests: [...new Set(values.map(valueDigest))], continuous: hasContinuous(compared) };
    }
  }
  return known;
}

/** One failing answer that several students share. */
export interface SharedAnswer {
  lab: string;
  item: string;
  title: string;
  case: string;
  status: string;
}

/** Students who share the same wrong numbers, on every answer listed. */
export interface IdenticalGroup {
  students: string[];
  answers: SharedAnswer[];
}

/** A wrong answer too many students share to be a signal: a common mistake no mutant names yet. */
export interface CommonWrongAnswer extends SharedAnswer {
  students: string[];
}

export interface IdenticalAnswers {
  /** Groups of at most `maxGroup` students, most shared answers first. */
  groups: IdenticalGroup[];
  /** Answers shared by more than `maxGroup` students. */
  common: CommonWrongAnswer[];
  maxGroup: number;
  /** Labs left out: no known answers to tell a known mistake from an unknown one. */
  unchecked: string[];
}

/** The groups of students with identical wrong numbers nothing known explains. */
export function identicalWrongAnswers(results: Map<string, Results>, known: KnownAnswers, maxGroup: number): IdenticalAnswers {
  const holders = new Map<string, { answer: SharedAnswer; students: string[] }>();
  const unchecked = new Set<string>();
  for (const student of [...results.keys()].sort()) {
    for (const lab of results.get(student)!.labs) {
      const labKnown = known[lab.lab];
      if (!labKnown) {
        unchecked.add(lab.lab);
        continue;
      }
      for (const item of lab.items) {
        // A known mistake explains a diagnosed item; a failure that follows from a more basic
        // failing item (`root_cause`) is explained by it, and that item's answers carry the signal.
        if (item.status === 'passed' || item.diagnosed_by || item.root_cause) continue;
        for (const c of item.cases) {
          const k = labKnown[item.id]?.[c.label];
          if (!c.value_digest || !k || !k.continuous || k.digests.includes(c.value_digest)) continue;
          const key = JSON.stringify([lab.lab, item.id, c.label, c.value_digest]);
          let h = holders.get(key);
          if (!h) holders.set(key, (h = { answer: { lab: lab.lab, item: item.id, title: item.title, case: c.label, status: c.status }, students: [] }));
          h.students.push(student);
        }
      }
    }
  }
  // The known mistakes diagnosed in each student's labs: students who share one share its
  // consequences too, on items that do not name it.
  const diagnosed = new Map<string, Set<string>>();
  for (const [student, r] of results) for (const lab of r.labs) for (const item of lab.items) if (item.diagnosed_by) diagnosed.set(`${student}\0${lab.lab}`, (diagnosed.get(`${student}\0${lab.lab}`) ?? new Set()).add(item.diagnosed_by));
  const shareAKnownMistake = (lab: string, students: string[]) => {
    const [first, ...rest] = students.map((s) => diagnosed.get(`${s}\0${lab}`) ?? new Set<string>());
    return [...first].some((m) => rest.every((d) => d.has(m)));
  };
  const groups = new Map<string, IdenticalGroup>();
  const common: CommonWrongAnswer[] = [];
  for (const { answer, students } of holders.values()) {
    if (students.length < 2 || shareAKnownMistake(answer.lab, students)) continue;
    if (students.length > maxGroup) {
      common.push({ ...answer, students });
      continue;
    }
    const key = students.join('\0');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { students, answers: [] }));
    g.answers.push(answer);
  }
  const items = (g: IdenticalGroup) => new Set(g.answers.map((a) => `${a.lab}\0${a.item}`)).size;
  const ranked = [...groups.values()].sort((a, b) => items(b) - items(a) || b.answers.length - a.answers.length || a.students.length - b.students.length || (a.students[0] < b.students[0] ? -1 : 1));
  common.sort((a, b) => b.students.length - a.students.length);
  return { groups: ranked, common, maxGroup, unchecked: [...unchecked].sort() };
}
