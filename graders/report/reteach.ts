/**
 * What to re-teach: per item, how many passed, and why the others did not, from the structured
 * results: the known mistakes diagnosed (a mutant's diagnosis, "used x where sigmoid(x) was
 * needed"), the more basic items their failures follow from (`root_cause`), how they failed
 * (`wrong_value`, `timed_out`...), and wrong answers many share that no known mistake explains
 * yet (a mutant worth writing). Items most of the class missed come first. Pure.
 */
import type { Results } from '../engine/core/results';
import type { CommonWrongAnswer } from './identical';

export interface Count<T> {
  what: T;
  students: number;
}

export interface ItemLesson {
  lab: string;
  id: string;
  title: string;
  points: number;
  /** Students whose lab was graded. */
  graded: number;
  passed: number;
  /** Students whose code ran and answered wrongly (the others' did not run: a stub, a crash...). */
  wrongAnswers: number;
  /** Known mistakes: the mutant's id and its diagnosis, commonest first. */
  diagnoses: Array<Count<{ mutant: string; diagnosis: string }>>;
  /** Failures that follow from another item that fails too (its id), commonest first. */
  rootCauses: Array<Count<string>>;
  /** How the others failed, commonest first. */
  statuses: Array<Count<string>>;
  /** Wrong answers shared by many that no known mistake explains. */
  commonWrong: CommonWrongAnswer[];
}

const WRONG_ANSWER = new Set(['wrong_value', 'wrong_shape', 'wrong_type', 'not_finite', 'mutated_input']);

function counted<T>(counts: Map<string, { what: T; students: number }>): Array<Count<T>> {
  return [...counts.values()].sort((a, b) => b.students - a.students);
}

function bump<T>(counts: Map<string, { what: T; students: number }>, key: string, what: T): void {
  const c = counts.get(key);
  if (c) c.students++;
  else counts.set(key, { what, students: 1 });
}

/** Every item's lesson, lowest pass rate first (ties in lab and rubric order). */
export function lessons(labs: string[], results: Iterable<Results>, commonWrong: CommonWrongAnswer[] = []): ItemLesson[] {
  interface Tally {
    lesson: ItemLesson;
    order: number;
    diagnoses: Map<string, Count<{ mutant: string; diagnosis: string }>>;
    rootCauses: Map<string, Count<string>>;
    statuses: Map<string, Count<string>>;
  }
  const tallies = new Map<string, Tally>();
  for (const r of results) {
    for (const lab of r.labs) {
      lab.items.forEach((item, order) => {
        const key = `${lab.lab}\0${item.id}`;
        let t = tallies.get(key);
        if (!t) {
          const lesson: ItemLesson = { lab: lab.lab, id: item.id, title: item.title, points: item.max_score, graded: 0, passed: 0, wrongAnswers: 0, diagnoses: [], rootCauses: [], statuses: [], commonWrong: [] };
          tallies.set(key, (t = { lesson, order, diagnoses: new Map(), rootCauses: new Map(), statuses: new Map() }));
        }
        t.lesson.graded++;
        if (item.status === 'passed') {
          t.lesson.passed++;
          return;
        }
        bump(t.statuses, item.status, item.status);
        // Why an answer was wrong; code that did not run (a crash, a stub, a syntax error) teaches nothing about the item.
        if (!WRONG_ANSWER.has(item.status)) return;
        t.lesson.wrongAnswers++;
        if (item.diagnosed_by) bump(t.diagnoses, item.diagnosed_by, { mutant: item.diagnosed_by, diagnosis: item.diagnosis ?? item.diagnosed_by });
        if (item.root_cause) bump(t.rootCauses, item.root_cause, item.root_cause);
      });
    }
  }
  for (const c of commonWrong) tallies.get(`${c.lab}\0${c.item}`)?.lesson.commonWrong.push(c);
  const labOrder = (lab: string) => (labs.includes(lab) ? labs.indexOf(lab) : labs.length);
  return [...tallies.values()]
    .map((t) => ({ ...t, lesson: { ...t.lesson, diagnoses: counted(t.diagnoses), rootCauses: counted(t.rootCauses), statuses: counted(t.statuses) } }))
    .sort((a, b) => a.lesson.passed / a.lesson.graded - b.lesson.passed / b.lesson.graded || labOrder(a.lesson.lab) - labOrder(b.lesson.lab) || a.order - b.order)
    .map((t) => t.lesson);
}
