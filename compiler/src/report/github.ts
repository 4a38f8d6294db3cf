/**
 * GitHub Actions workflow commands: each diagnostic becomes an annotation (`::error`,
 * `::warning`, `::notice`) that GitHub shows on the run and on the changed lines of a pull request.
 */
import { CODES, type Diagnostic, type Severity } from '@coil/language';
import { portablePath } from './portable-path.js';
import type { Reporter } from './reporter.js';

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

export const githubReporter: Reporter = result => result.diagnostics.map(annotation).map(line => `${line}\n`).join('');

function annotation(d: Diagnostic): string {
    // GitHub takes columns only for a range on one line; its endColumn is the last character's.
    const columns = d.start.line === d.end.line;
    const properties: Array<[string, string | number]> = [
        ['file', portablePath(d.file)],
        ['line', d.start.line],
        ...(columns ? [['col', d.start.column] as [string, number]] : []),
        ['endLine', d.end.line],
        ...(columns ? [['endColumn', Math.max(d.start.column, d.end.column - 1)] as [string, number]] : []),
        ['title', `${d.code} ${CODES[d.code].title}`],
    ];
    const props = properties.map(([key, value]) => `${key}=${escapeProperty(String(value))}`).join(',');
    return `::${COMMAND[d.severity]} ${props}::${escapeData(d.message)}`;
}

/** The escaping of @actions/core: a message may not break the one-line command. */
function escapeData(value: string): string {
    return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property values additionally may not contain the separators of the command. */
function escapeProperty(value: string): string {
    return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
