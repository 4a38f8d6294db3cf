/**
 * The analyses as a Langium validation module: each process is lowered and analysed, and the
 * findings are reported at their source ranges, through the same path as the language's checks.
 * A process whose references do not all resolve is not analysed: its errors come first.
 */
import { AstUtils, type ValidationAcceptor } from 'langium';
import { CODES, type Process, type ValidationModule } from '@coil/language';
import type { SourceLocation } from '../ir/types.js';
import { lowerProcess } from '../lower/index.js';
import { analyse } from './index.js';

export function analysisModule(): ValidationModule {
    return {
        checks: {
            Process: (process: Process, accept: ValidationAcceptor) => {
                const document = AstUtils.getDocument(process);
                const here = document.uri.toString();
                const lowered = lowerProcess(process, (node, range) => {
                    if (AstUtils.getDocument(node).uri.toString() !== here) return undefined;
                    return { file: here, line: range.start.line + 1, column: range.start.character + 1, endLine: range.end.line + 1, endColumn: range.end.character + 1 };
                });
                if (!lowered.complete) return;
                for (const finding of analyse(lowered.workflow)) {
                    const location = locationOf(lowered.locations, finding.at);
                    const info = location
                        ? { node: process, range: { start: { line: location.line - 1, character: location.column - 1 }, end: { line: location.endLine - 1, character: location.endColumn - 1 } } }
                        : { node: process, property: 'name' as const };
                    accept(CODES[finding.code].severity, finding.message, { ...info, code: finding.code });
                }
            },
        },
    };
}

/** The location of `step:X/duration`, else of `step:X`, else none. */
function locationOf(locations: ReadonlyMap<string, SourceLocation>, id: string): SourceLocation | undefined {
    for (let key = id; ; key = key.slice(0, key.lastIndexOf('/'))) {
        const location = locations.get(key);
        if (location) return location;
        if (!key.includes('/')) return undefined;
    }
}
