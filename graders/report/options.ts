/**
 * The class report's thresholds, declared once: `batch` lists these options and reads them back
 * with `readReportOptions`; a bad value comes back as a message (the CLI turns it into a usage
 * error).
 */
import { DEFAULT_SIMILARITY, SimilarityOptions } from './similarity';

export interface ClassReportOptions {
  similarity: SimilarityOptions;
  /** Groups of more students than this sharing a wrong answer are a common mistake, not a signal. */
  identicalMaxGroup: number;
}

export const DEFAULT_REPORT_OPTIONS: ClassReportOptions = { similarity: DEFAULT_SIMILARITY, identicalMaxGroup: 5 };

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The options, as the command line declares them. */
export const REPORT_OPTIONS = {
  similarity: {
    type: 'string',
    placeholder: 'P',
    description: `report.html lists pairs of submissions whose distinctive code (not the stub, not common code) is at least P similar: 0-1 or a percentage (default ${pct(DEFAULT_SIMILARITY.threshold)})`,
  },
  'common-code': {
    type: 'string',
    placeholder: 'P',
    description: `code that more than P of the class (and more than ${DEFAULT_SIMILARITY.commonFloor} students) have is common, not a similarity signal (default ${pct(DEFAULT_SIMILARITY.commonShare)})`,
  },
  'identical-group': {
    type: 'string',
    placeholder: 'N',
    description: `report.html lists groups of at most N students with identical wrong numbers; a larger group is a common mistake, listed under what to re-teach (default ${DEFAULT_REPORT_OPTIONS.identicalMaxGroup})`,
  },
} as const;

export type ReportOptionName = keyof typeof REPORT_OPTIONS;

/** "60%", "0.6" or "1" as a fraction; undefined when it is none. */
function fraction(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$/.exec(text);
  if (!m) return undefined;
  const x = Number(m[1]) / (m[2] ? 100 : 1);
  return x >= 0 && x <= 1 ? x : undefined;
}

/** The options from the command line's values (`get` returns an option's text, if given). */
export function readReportOptions(get: (name: ReportOptionName) => string | undefined): { ok: true; options: ClassReportOptions } | { ok: false; message: string } {
  const options: ClassReportOptions = { similarity: { ...DEFAULT_SIMILARITY }, identicalMaxGroup: DEFAULT_REPORT_OPTIONS.identicalMaxGroup };
  const similarity = get('similarity');
  if (similarity !== undefined) {
    const x = fraction(similarity);
    if (x === undefined) return { ok: false, message: `--similarity must be a fraction from 0 to 1 or a percentage (0.6, 60%), not "${similarity}"` };
    options.similarity.threshold = x;
  }
  const common = get('common-code');
  if (common !== undefined) {
    const x = fraction(common);
    if (x === undefined || x === 0) return { ok: false, message: `--common-code must be a fraction above 0 and at most 1 or a percentage (0.1, 10%), not "${common}"` };
    options.similarity.commonShare = x;
  }
  const group = get('identical-group');
  if (group !== undefined) {
    const n = Number(group);
    if (!/^\s*\d+\s*$/.test(group) || n < 2) return { ok: false, message: `--identical-group must be a whole number of students, at least 2, not "${group}"` };
    options.identicalMaxGroup = n;
  }
  return { ok: true, options };
}
