/**
 * The analyses as a Langium validation module: each process is lowered and analysed, and the
 * findings are reported at their source ranges, through the same path as the language's checks.
 * A process whose references do not all resolve is not analysed: its errors come first.
 */
import { AstUtils, type ValidationAcceptor } from 'langium';
import { CODES, type Process, type ValidationModule } from '@coil/language';
import { anchorOf, anchorRange, lowerProcess, type Lowered } from '../lower/index.js';
import { analyse } from './index.js';

export interface AnalysisModuleOptions {
    /**
     * Receives each process's lowering, so that a compile after the check need not lower again.
     * Only for one build: a relinked process (a shared file edited) must be lowered afresh.
     */
    readonly lowered?: Map<Process, Lowered>;
}

export function analysisModule(options: AnalysisModuleOptions = {}): ValidationModule {
    return {
        checks: {
            Process: (process: Process, accept: ValidationAcceptor) => {
                const lowered = lowerProcess(process);
                options.lowered?.set(process, lowered);
                if (!lowered.complete) return;
                const here = AstUtils.getDocument(process).uri.toString();
                for (const finding of analyse(lowered.workflow)) {
                    const node = anchorOf(lowered, finding.at);
                    // A finding about something written in another file is shown on the process's name.
                    const range = node && AstUtils.getDocument(node).uri.toString() === here ? anchorRange(node) : undefined;
                    const info = range ? { node: process, range } : { node: process, property: 'name' as const };
                    accept(CODES[finding.code].severity, finding.message, { ...info, code: finding.code });
                }
            },
        },
    };
}
