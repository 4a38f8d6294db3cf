/**
 * The human format: one block per diagnostic, Rust/Elm style, with the source line and a caret
 * under the range, then a summary line. Colour only when asked (the CLI asks on a TTY).
 */
import { isProcess, isScenario, type CheckResult, type Diagnostic, type Severity } from '@coil/language';
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
    const files = describeContents(result);
    if (error === 0 && warning === 0) return `Checked ${files}: no problems.`;
    const parts = [
        error > 0 ? paint('error', `${error} error${error === 1 ? '' : 's'}`) : '0 errors',
        warning > 0 ? paint('warning', `${warning} warning${warning === 1 ? '' : 's'}`) : '0 warnings',
    ];
    return `Checked ${files}: ${parts.join(', ')}.`;
}

/** "8 files (4 processes, 24 scenarios)": what was checked, in the user's terms. */
function describeContents(result: CheckResult): string {
    const processes = result.files.flatMap(f => f.model.elements.filter(isProcess));
    const scenarios = processes.reduce((n, p) => n + p.elements.filter(isScenario).length, 0);
    const files = count(result.files.length, 'file', 'files');
    return processes.length === 0 ? files
        : `${files} (${count(processes.length, 'process', 'processes')}, ${count(scenarios, 'scenario', 'scenarios')})`;
}

function count(n: number, one: string, many: string): string {
    return `${n} ${n === 1 ? one : many}`;
}
