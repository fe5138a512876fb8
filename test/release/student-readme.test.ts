/**
 * The student README is generated from the release's configuration, so that every sentence in
 * it holds for that release: who grades a push (the release's graders, or the instructor's
 * copy), whether there are hidden items and what they are worth, the Node versions its
 * package.json accepts, the commands of its labs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadLab } from '../../graders/engine/core/labs';
import { nodeVersionsText, studentReadme } from '../../graders/release/build';
import { ReleaseManifest } from '../../graders/release/manifest';
import { ROOT } from '../support/paths';

const lab = loadLab(ROOT, 'activations');
const withheld = lab.rubric.items.filter((it) => it.visibility !== 'visible');
const engines = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: Record<string, string> }).engines;

function manifest(extra: Partial<ReleaseManifest> = {}): ReleaseManifest {
  return { format: 'gradecheck/release', version: 1, kind: 'student', labs: ['activations'], withheld: { activations: { items: withheld.length, max_score: withheld.reduce((s, it) => s + it.points, 0) } }, ...extra };
}

describe('the student README', () => {
  test("with the release's own graders: a push is graded by them, and nothing claims otherwise", () => {
    const readme = studentReadme([lab], manifest(), engines);
    expect(readme).toContain('grades your `labs/` files with the graders of this repository, as `npm test` does');
    expect(readme).not.toMatch(/does not change your grade|changes nothing|instructor's copy/);
  });

  test("with the instructor's repository: editing graders/ or rubrics/ changes nothing, and it says whose graders", () => {
    const readme = studentReadme([lab], manifest({ instructor_repository: 'course-org/ml-labs-graders' }), engines);
    expect(readme).toContain("with your instructor's copy of the graders (`course-org/ml-labs-graders`), not with the `graders/` and `rubrics/` of this repository: editing those changes nothing");
    expect(readme).not.toContain('with the graders of this repository');
  });

  test('says what the hidden items are worth and who grades them, in the words the score table uses; none, when there are none', () => {
    const points = withheld.reduce((s, it) => s + it.points, 0);
    const readme = studentReadme([lab], manifest(), engines);
    expect(readme).toContain(`("+ ${points} hidden point${points === 1 ? '' : 's'} (${withheld.length} item${withheld.length === 1 ? '' : 's'}), graded after the deadline")`);
    expect(readme).toContain('neither `npm test` nor your pushes grade them: your instructor grades them after the deadline');
    expect(readme).toContain(`| \`activations\` | ${lab.rubric.title} | \`labs/activations/activations.ts\` |`);
    const none = studentReadme([lab], manifest({ withheld: { activations: { items: 0, max_score: 0 } } }), engines);
    expect(none).toContain('Every item is in this repository');
    expect(none).not.toMatch(/Hidden items|graded after the deadline/);
  });

  test("documents one-lab runs and -t with the release's own lab and item, and the Node versions of its engines", () => {
    const readme = studentReadme([lab], manifest(), engines);
    const first = lab.rubric.items.find((it) => it.visibility === 'visible')!;
    expect(readme).toMatch(/^npm test -- activations +# grades one lab$/m);
    expect(readme).toMatch(new RegExp(`^npm test -- activations -t ${first.id.replace(/\./g, '\\.')} +# only its items whose name matches`, 'm'));
    expect(readme).toContain(`You need Node.js ${nodeVersionsText(engines.node)}.`);
    expect(nodeVersionsText('^20.19.0 || ^22.12.0 || >=24.0.0')).toBe('20.19 or a later 20, 22.12 or a later 22, or 24 and later');
    expect(nodeVersionsText('>=20.19')).toBe('20.19 and later');
  });
});
