/**
 * GitHub Actions workflow commands, as the runner reads them: annotations printed on stdout
 * (`::error file=F,line=L,title=T::message`, with %, CR and LF escaped in the message, and also
 * `:` and `,` in properties) and step outputs appended to $GITHUB_OUTPUT (`name=value`, or a
 * heredoc for a value with line breaks). Annotation messages quote student text: they are
 * made safe for a log first (text.ts `forTerminal`), then escaped.
 */
import { randomUUID } from 'crypto';
import { forTerminal } from '../../emit/text';

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export interface AnnotationProperties {
  file?: string;
  line?: number;
  title?: string;
}

export function annotation(level: 'error' | 'warning' | 'notice', message: string, props: AnnotationProperties = {}): string {
  const parts = Object.entries(props)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(forTerminal(String(v), { lines: false, limit: 200 }))}`);
  return `::${level}${parts.length ? ' ' + parts.join(',') : ''}::${escapeData(forTerminal(message))}`;
}

/**
 * The two lines around output that may hold student text, so that the runner runs no
 * workflow command in between (`::stop-commands::TOKEN` ... `::TOKEN::`, GitHub's "Stopping
 * and starting workflow commands"). The token is new each time and never in what students'
 * code can see, so nothing in between can say it.
 */
export function commandsPaused(): { pause: string; resume: string } {
  const token = `gradecheck-${randomUUID()}`;
  return { pause: `::stop-commands::${token}`, resume: `::${token}::` };
}

/** One step output, as appended to $GITHUB_OUTPUT. */
export function outputEntry(name: string, value: string): string {
  if (!/[\r\n]/.test(value)) return `${name}=${value}\n`;
  const delimiter = `ghadelimiter_${randomUUID()}`;
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
}

/** Reads $GITHUB_OUTPUT back (both forms): for tests and local runs. */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      out[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}
