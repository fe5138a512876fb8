/**
 * The class report of the example class (fixtures/submissions/, and a student whose name is
 * markup), graded in two shards and merged, as a TA gets it: the integrity signals it finds, and
 * report.html opened from disk in a real browser (Debian's chromium, driven by playwright-core).
 */
import * as fs from 'fs';
import * as path from 'path';
import { runBatch } from '../../graders/batch/batch';
import { MergeReport, mergeShards } from '../../graders/batch/merge';
import { studentFolder } from '../../graders/batch/store';
import { analyseClass, ClassAnalysis } from '../../graders/report/report';
import { ROOT } from '../support/paths';
import { FIXTURES, makeClass, removeTempDirs, tempDir } from '../batch/class';

const LABS = ['activations', 'attention'];
const FOLDERS = fs.readdirSync(FIXTURES).sort();
/** A student whose name would be an element, were it not escaped. */
const MARKUP = '<img src=x onerror=alert(1)>';
const env = { ...process.env, GRADECHECK_BATCH_KEY: '' };

let shards: string[];
let merged: MergeReport;
let analysis: ClassAnalysis;

beforeAll(async () => {
  const submissions = makeClass('report', FOLDERS);
  fs.cpSync(path.join(FIXTURES, 'carol'), path.join(submissions, MARKUP), { recursive: true });
  const parent = tempDir('report-out');
  shards = [1, 2].map((i) => path.join(parent, `shard-${i}`));
  for (const [i, out] of shards.entries()) {
    const r = await runBatch({ root: ROOT, submissions, out, labs: LABS, jobs: 2, env, shard: { index: i + 1, count: 2 } });
    if (!r.report.ok) throw new Error(`shard ${i + 1}: ${r.report.message}`);
  }
  merged = mergeShards({ shards, out: path.join(parent, 'merged'), env });
  analysis = analyseClass({ dir: merged.dir, labs: LABS, gradebook: merged.gradebook });
}, 600000);

afterAll(removeTempDirs);

describe('integrity signals of the example class', () => {
  test('each shard writes a report of its students, and merge one of the whole class', () => {
    for (const dir of [...shards, merged.dir]) expect(fs.readFileSync(path.join(dir, 'report.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(merged.report.ok).toBe(true);
    expect(analysis.notes).toEqual([]);
  });

  test('ranks olivia and pat first: the same code, variables renamed and functions reordered', () => {
    const pairs = analysis.similarity.flatMap((s) => s.pairs).sort((a, b) => b.similarity - a.similarity);
    expect(pairs.length).toBeGreaterThan(0);
    expect([pairs[0].lab, pairs[0].a, pairs[0].b]).toEqual(['activations', 'olivia', 'pat']);
    expect(pairs[0].fragments.length).toBeGreaterThan(0);
  });

  test('lists quinn and rosa, whose GELU numbers are identical and no known mistake, as the one group', () => {
    expect(analysis.identical.groups.map((g) => g.students)).toEqual([['quinn', 'rosa']]);
    // Their GELU backward is wrong in the same bits too, but it follows from the forward (its root cause), which carries the signal.
    const answers = analysis.identical.groups[0].answers.map((a) => `${a.item} ${a.case}`);
    expect(answers.sort()).toEqual(['gelu.forward extreme', 'gelu.forward seed 11']);
  });

  test("does not flag students who share a known mistake's numbers (grace, olivia and pat: the sigmoid derivative with x)", () => {
    const flagged = analysis.identical.groups.flatMap((g) => g.students);
    for (const s of ['grace', 'olivia', 'pat']) expect(flagged).not.toContain(s);
    const sigmoid = analysis.lessons.find((l) => l.lab === 'activations' && l.id === 'sigmoid.backward')!;
    expect(sigmoid.diagnoses.map((d) => [d.what.mutant, d.students])).toEqual([['sigmoid-grad-uses-x', 3]]);
    // Their answers are the mutant's bit for bit: digested alike, the known answer covers them.
    const labs = JSON.parse(fs.readFileSync(path.join(merged.dir, 'report', 'labs.json'), 'utf8')).labs;
    const grace = merged.gradebook.results.get('grace')!.labs.find((l) => l.lab === 'activations')!.items.find((i) => i.id === 'sigmoid.backward')!;
    expect(labs.activations.known['sigmoid.backward'][grace.cases[0].label].digests).toContain(grace.cases[0].value_digest);
  });

  test('what to re-teach puts the most missed items first, with their known mistakes and root causes', () => {
    const activations = analysis.lessons.filter((l) => l.lab === 'activations');
    const rates = activations.map((l) => l.passed / l.graded);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
    const geluBackward = activations.find((l) => l.id === 'gelu.backward')!;
    expect(geluBackward.rootCauses).toEqual([{ what: 'gelu.forward', students: 2 }]);
  });

  test('student text is escaped: the markup name is shown, never parsed', () => {
    const html = fs.readFileSync(path.join(merged.dir, 'report.html'), 'utf8');
    expect(html).not.toContain(MARKUP);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

// ----- in a real browser ---------------------------------------------------------------------

/** Debian's chromium (`apt-get install chromium`), or the browser GRADECHECK_CHROMIUM names. */
const CHROMIUM = [process.env.GRADECHECK_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => Boolean(p && fs.existsSync(p)));
if (!CHROMIUM) console.warn('SKIPPED: report.html in a real browser, because no chromium was found (apt-get install chromium, or set GRADECHECK_CHROMIUM to a Chromium or Chrome executable)');
const inBrowser = CHROMIUM ? describe : describe.skip;

inBrowser('report.html in a real browser', () => {
  // Loaded only when there is a browser to drive.
  type Playwright = typeof import('playwright-core');
  let browser: Awaited<ReturnType<Playwright['chromium']['launch']>>;
  let page: Awaited<ReturnType<typeof browser.newPage>>;
  const problems: string[] = [];
  let file: string;

  beforeAll(async () => {
    const { chromium } = require('playwright-core') as Playwright;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => void (problems.push(`dialog: ${d.message()}`), d.dismiss()));
    page.on('request', (r) => void (!r.url().startsWith('file://') && !r.url().startsWith('data:') && problems.push(`request: ${r.url()}`)));
    file = path.join(merged.dir, 'report.html');
    await page.goto(`file://${file}`);
  }, 120000);

  afterAll(async () => {
    await browser?.close();
  });

  test('opens from disk with no console errors, no network and nothing run from student text', async () => {
    await page.waitForLoadState('load');
    expect(await page.getByText(MARKUP).count()).toBeGreaterThan(0); // shown as text
    expect(problems).toEqual([]);
  });

  test('shows the score histogram and the students x items grid', async () => {
    const histogram = page.locator('#histogram svg');
    await expect(histogram.isVisible()).resolves.toBe(true);
    expect((await histogram.boundingBox())!.height).toBeGreaterThan(100);
    expect(await histogram.locator('rect[fill="#4878b0"]').count()).toBeGreaterThan(0); // bars
    const rows = page.locator('#grid tbody tr');
    expect(await rows.count()).toBe(FOLDERS.length + 1);
    await expect(page.locator('#grid').isVisible()).resolves.toBe(true);
    expect(await page.locator('#grid td.passed').count()).toBeGreaterThan(0);
    expect(await page.locator('#grid td.wrong').count()).toBeGreaterThan(0);
  });

  test('finding a student in the grid hides the other rows', async () => {
    await page.fill('#grid-filter', 'ros');
    expect(await page.locator('#grid tbody tr:visible').count()).toBe(1);
    await page.fill('#grid-filter', '');
    expect(await page.locator('#grid tbody tr:visible').count()).toBe(FOLDERS.length + 1);
  });

  test("clicking a student shows their feedback, with its attention heat map", async () => {
    const section = page.locator(`#student-${studentFolder('rosa')}`);
    expect(await section.isVisible()).toBe(false);
    await page.click(`#grid a[href="#student-${studentFolder('rosa')}"]`);
    expect(await section.isVisible()).toBe(true);
    expect(await section.locator('text=GELU forward').count()).toBeGreaterThan(0); // her wrong GELU, in her feedback
    const heatmap = section.locator('figure img[alt="attention weights"]');
    expect(await heatmap.count()).toBeGreaterThan(0);
    await heatmap.first().scrollIntoViewIfNeeded();
    expect(await heatmap.first().isVisible()).toBe(true);
    // Drawn: the image (loaded once it is in view) decoded, with a size of its own.
    const width = await heatmap.first().evaluate((el) => {
      const img = el as unknown as { complete: boolean; naturalWidth: number; decode(): Promise<void> };
      return img.decode().then(() => img.naturalWidth);
    });
    expect(width).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  test('every link works: each #anchor has its target, each file link its file', async () => {
    const hrefs = await page.locator('a[href]').evaluateAll((links) => links.map((a) => a.getAttribute('href')!));
    expect(hrefs.length).toBeGreaterThan(FOLDERS.length * 2);
    const ids = new Set(await page.locator('[id]').evaluateAll((els) => els.map((e) => e.id)));
    const broken = [...new Set(hrefs)].filter((href) => (href.startsWith('#') ? !ids.has(decodeURIComponent(href.slice(1))) : !fs.existsSync(path.join(path.dirname(file), decodeURI(href)))));
    expect(broken).toEqual([]);
    expect(hrefs.filter((h) => /^[a-z]+:/i.test(h))).toEqual([]); // nothing leaves the folder
  });
});
