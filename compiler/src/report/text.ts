/**
 * The human format: one block per diagnostic, Rust/Elm style, with the source line and a caret
 * under the range, then a summary line. Colour only when asked (the CLI asks on a TTY).
 */
import type { CheckResult, Diagnostic, Severity } from '@coil/language';
import type { Reporter } from './reporter.js';

const COLORS: Record<Severity | 'dim' | 'bold', [number, number]> = {
    error: [31, 39], warning: [33, 39], info: [36, 39], dim: [2, 22], bold: [1, 22],
};

export const textReporter: Reporter = (result, { color }) => {
    const paint = (style: keyof typeof COLORS, text: string): string =>
        color ? `\u001b[${COLORS[style][0]}m${text}\u001b[${COLORS[style][1]}m` : text;
    const sources = new Map(result.files.map(f => [f.file, f.text.split(/\r?\n/)]));
    const blocks = result.diagnostics.map(d => formatOne(d, sources.get(d.file), paint));
    return [...blocks, summary(result, paint)].join('\n\n') + '\n';
};

function formatOne(d: Diagnostic, lines: string[] | undefined, paint: (s: keyof typeof COLORS, t: string) => string): string {
    const head = `${paint('bold', `${d.file}:${d.start.line}:${d.start.column}`)} ${paint(d.severity, `${d.severity} ${d.code}`)}: ${d.message}`;
    const line = lines?.[d.start.line - 1];
    if (line === undefined) return head;
    const gutter = String(d.start.line);
    const pad = ' '.repeat(gutter.length);
    const width = d.end.line === d.start.line ? Math.max(1, d.end.column - d.start.column) : Math.max(1, line.length - d.start.column + 1);
    const caret = ' '.repeat(Math.max(0, d.start.column - 1)) + '^'.repeat(width);
    return [
        head,
        `${pad} ${paint('dim', '|')}`,
        `${paint('dim', `${gutter} |`)} ${line.replace(/\t/g, ' ')}`,
        `${pad} ${paint('dim', '|')} ${paint(d.severity, caret)}`,
    ].join('\n');
}

function summary(result: CheckResult, paint: (s: keyof typeof COLORS, t: string) => string): string {
    const { error, warning } = result.counts;
    const files = `${result.files.length} file${result.files.length === 1 ? '' : 's'}`;
    if (error === 0 && warning === 0) return `Checked ${files}: no problems.`;
    const parts = [
        error > 0 ? paint('error', `${error} error${error === 1 ? '' : 's'}`) : '0 errors',
        warning > 0 ? paint('warning', `${warning} warning${warning === 1 ? '' : 's'}`) : '0 warnings',
    ];
    return `Checked ${files}: ${parts.join(', ')}.`;
}
