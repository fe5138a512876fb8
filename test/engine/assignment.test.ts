/**
 * The assignment: which labs a class does, decided once (an assignment file, or --labs) for
 * `batch`, `gradescope`, `release` and `grade`. A bad file is refused with file, line and path;
 * no command works on a lab the assignment does not name; an activations-only class is out of
 * the activations lab's points; `batch` does not replace an earlier gradebook unless asked.
 */
import * as fs from 'fs';
import * as path from 'path';
import { chooseAssignment, loadAssignment } from '../../graders/engine/core/assignment';
import { InputError } from '../../graders/engine/core/errors';
import { listLabs } from '../../graders/engine/core/labs';
import { SpecError, formatIssues } from '../../graders/engine/core/spec-files';
import { main } from '../../scripts/cli';
import { activationsPoints, captureIO, readGrades, removeTempDirs, tempDir } from '../batch/class';
import { ROOT } from '../support/paths';

afterAll(removeTempDirs);

function write(dir: string, text: string, name = 'assignment.yaml'): string {
  fs.writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
}

function specError(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('no SpecError');
}

describe('an assignment file', () => {
  test('names the labs, in gradebook order', () => {
    const dir = tempDir('assignment');
    const a = loadAssignment(write(dir, 'name: autumn\nlabs: [backprop, activations]\n'), ROOT);
    expect(a).toMatchObject({ name: 'autumn', labs: ['backprop', 'activations'] });
  });

  test('is refused with every problem at once, each with its file, line, column and path', () => {
    const dir = tempDir('assignment');
    const schema = specError(() => loadAssignment(write(dir, 'name: autumn\nlabs: activations\ndeadline: soon\n'), ROOT, 'assignment.yaml'));
    expect(formatIssues(schema.issues)).toBe(['assignment.yaml:2:7 labs: Invalid input: expected array, received string', 'assignment.yaml:3:11 deadline: unknown field "deadline"'].join('\n'));
    const labs = specError(() => loadAssignment(write(dir, 'labs:\n  - activations\n  - atention\n  - activations\n'), ROOT, 'assignment.yaml'));
    expect(labs.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`)).toEqual([`3:5 labs[1]: no lab "atention" (labs here: ${listLabs(ROOT).join(', ')})`, '4:5 labs[2]: lab "activations" is named twice (first at labs[0])']);
  });

  test('decides the labs once: the file where the command runs, --labs within it, or --labs alone', () => {
    const dir = tempDir('assignment');
    write(dir, 'labs: [activations, backprop]\n');
    const choose = (labs?: string[], required = true, cwd = dir) => chooseAssignment({ root: ROOT, cwd, labs, required, command: 'batch' });
    expect(choose().labs).toEqual(['activations', 'backprop']);
    expect(choose(['backprop']).labs).toEqual(['backprop']);
    expect(() => choose(['rnn'])).toThrow(/batch: the assignment assignment\.yaml does not contain lab rnn \(its labs: activations, backprop\)/);
    expect(() => choose(['nope'])).toThrow(/unknown lab nope/);
    const empty = tempDir('no-assignment');
    expect(choose(['rnn'], true, empty).labs).toEqual(['rnn']);
    expect(() => choose(undefined, true, empty)).toThrow(InputError);
    expect(() => choose(undefined, true, empty)).toThrow(/batch: which labs\? Name them with --labs a,b, or write the assignment in assignment\.yaml/);
    expect(choose(undefined, false, empty).labs).toEqual(listLabs(ROOT)); // `grade`, on one's own labs
  });
});

describe('the commands that grade or ship labs', () => {
  test('an activations-only class is out of the activations lab, and an earlier gradebook is kept unless asked', async () => {
    const cwd = tempDir('course');
    write(cwd, 'labs: [activations]\n');
    const submissions = path.join(cwd, 'submissions');
    for (const s of ['ada', 'ben']) fs.mkdirSync(path.join(submissions, s, 'labs'), { recursive: true });
    const io = () => ({ ...captureIO(), cwd });
    const first = io();
    expect(await main(['batch', 'submissions', '--out', 'out', '--jobs', '2', '--sandbox', 'permission'], first)).toBe(0);
    const grades = readGrades(path.join(cwd, 'out'));
    expect(Object.keys(grades.ada)).toEqual(['student', 'activations', 'total', 'max', 'status', 'message']);
    expect(Number(grades.ada.max)).toBe(activationsPoints().max);
    expect(Number(grades.ben.total)).toBe(0);

    // Again into the same folder: refused, with what to do; nothing is touched.
    const before = fs.readFileSync(path.join(cwd, 'out', 'grades.csv'), 'utf8');
    const again = io();
    expect(await main(['batch', 'submissions', '--out', 'out'], again)).toBe(2);
    expect(again.stderr.join('\n')).toMatch(/holds the gradebook of an earlier batch \(2 students, labs activations\): run again with --resume .* or --force/);
    expect(fs.readFileSync(path.join(cwd, 'out', 'grades.csv'), 'utf8')).toBe(before);

    // --force replaces it whole: a student gone from the class is gone from the gradebook.
    fs.rmSync(path.join(submissions, 'ben'), { recursive: true });
    expect(await main(['batch', 'submissions', '--out', 'out', '--force', '--jobs', '1', '--sandbox', 'permission'], io())).toBe(0);
    expect(Object.keys(readGrades(path.join(cwd, 'out')))).toEqual(['ada']);
    expect(fs.readdirSync(path.join(cwd, 'out', 'students'))).toHaveLength(1);

    // No command works on a lab the assignment does not name.
    const release = io();
    expect(await main(['release', '--out', path.join(cwd, 'release'), '--labs', 'rnn'], release)).toBe(2);
    expect(release.stderr.join('\n')).toContain('release: the assignment assignment.yaml does not contain lab rnn (its labs: activations)');
    expect(fs.existsSync(path.join(cwd, 'release'))).toBe(false);
  }, 300000);

  test('gradescope and batch ask which labs when there is neither an assignment nor --labs', async () => {
    const cwd = tempDir('no-course');
    for (const argv of [['gradescope', '--out', 'autograder.zip'], ['batch', cwd, '--out', path.join(cwd, 'out')]]) {
      const io = { ...captureIO(), cwd };
      expect(await main(argv, io)).toBe(2);
      expect(io.stderr.join('\n')).toContain(`gradecheck: ${argv[0]}: which labs? Name them with --labs a,b`);
    }
    expect(fs.readdirSync(cwd)).toEqual([]);
  });
});
