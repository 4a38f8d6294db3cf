/**
 * The analyses as a Langium validation module: each process is lowered and analysed, and the
 * findings are reported at their source ranges, through the same path as the language's checks.
 * A process whose references do not all resolve is not analysed: its errors come first.
 */
import { AstUtils, type CstNode, type LangiumDocument, type ValidationAcceptor } from 'langium';
import { CODES, isModel, isProcess, syntaxErrorOffsets, type Code, type Process, type ValidationModule } from '@coil/language';
import { anchorOf, anchorRange, lowerProcess, type Lowered } from '../lower/index.js';
import { analyse } from './index.js';

type Range = CstNode['range'];

export interface AnalysisModuleOptions {
    /**
     * Receives each process's lowering, so that a compile after the check need not lower again.
     * Only for one build: a relinked process (a shared file edited) must be lowered afresh.
     */
    readonly lowered?: Map<Process, Lowered>;
    /**
     * Reuses a process's findings while nothing it could depend on has changed (the language server:
     * an edit in one process of a large file re-analyses that process alone). Call `changed` with the
     * documents of each update.
     */
    readonly reuse?: FindingCache;
}

/** A finding ready to report: its range relative to the process's first line, or on the process's name. */
interface Reported {
    readonly code: Code;
    readonly message: string;
    readonly range?: Range;
}

/**
 * The findings of each document's processes, by the process's text and the text of the document's
 * shared declarations. A change to any other document drops a document's findings, since the
 * processes may use what it declares (the shared library); a change to the document itself keeps
 * them, and a process whose text is unchanged gets its findings again, moved to where it now starts.
 */
export class FindingCache {
    private readonly byDocument = new Map<string, Map<string, readonly Reported[]>>();

    /** Called with the URIs of each update's changed and deleted documents. */
    changed(uris: readonly string[]): void {
        const touched = new Set(uris);
        for (const uri of [...this.byDocument.keys()]) if (!(touched.has(uri) && uris.length === 1)) this.byDocument.delete(uri);
    }

    findings(process: Process, analyseProcess: () => readonly Reported[]): readonly Reported[] {
        const document = AstUtils.getDocument(process);
        const key = cacheKey(document, process);
        if (key === undefined) return analyseProcess();
        let cache = this.byDocument.get(document.uri.toString());
        if (!cache) this.byDocument.set(document.uri.toString(), cache = new Map());
        // The document's processes as they are now: a process edited away is forgotten.
        if (cache.size > 4 * processCount(document)) cache.clear();
        let found = cache.get(key);
        if (!found) cache.set(key, found = analyseProcess());
        return found;
    }
}

export function analysisModule(options: AnalysisModuleOptions = {}): ValidationModule {
    return {
        checks: {
            Process: (process: Process, accept: ValidationAcceptor) => {
                const findings = options.reuse ? options.reuse.findings(process, () => analyseProcess(process, options)) : analyseProcess(process, options);
                const base = process.$cstNode?.range.start.line ?? 0;
                for (const { code, message, range } of findings) {
                    const info = range ? { node: process, range: shift(range, base) } : { node: process, property: 'name' as const };
                    accept(CODES[code].severity, message, { ...info, code });
                }
            },
        },
    };
}

function analyseProcess(process: Process, options: AnalysisModuleOptions): Reported[] {
    const lowered = lowerProcess(process);
    options.lowered?.set(process, lowered);
    if (!lowered.complete) return [];
    const here = AstUtils.getDocument(process).uri.toString();
    const base = process.$cstNode?.range.start.line ?? 0;
    return analyse(lowered.workflow).map(finding => {
        const node = anchorOf(lowered, finding.at);
        // A finding about something written in another file is shown on the process's name.
        const range = node && AstUtils.getDocument(node).uri.toString() === here ? anchorRange(node) : undefined;
        return { code: finding.code, message: finding.message, range: range && shift(range, -base) };
    });
}

function shift(range: Range, lines: number): Range {
    return {
        start: { line: range.start.line + lines, character: range.start.character },
        end: { line: range.end.line + lines, character: range.end.character },
    };
}

/**
 * The process's text and its document's shared declarations. None while a syntax error lies
 * anywhere but in another process: an error in the process leaves it incomplete, one in a shared
 * declaration may change what the process links to. An error in another process (the one being
 * typed in) leaves this one read as it would be without it.
 */
function cacheKey(document: LangiumDocument, process: Process): string | undefined {
    const model = document.parseResult.value;
    if (!isModel(model) || !process.$cstNode) return undefined;
    const errors = syntaxErrorOffsets(document.parseResult);
    const inAnotherProcess = (at: number) => model.elements.some(e => e !== process && isProcess(e) && e.$cstNode !== undefined && at >= e.$cstNode.offset && at < e.$cstNode.end);
    if (!errors.every(inAnotherProcess)) return undefined;
    const shared = model.elements.filter(e => !isProcess(e)).map(e => e.$cstNode?.text ?? '');
    return [process.$cstNode.text, ...shared].join('\u0000');
}

function processCount(document: LangiumDocument): number {
    const model = document.parseResult.value;
    return isModel(model) ? model.elements.filter(isProcess).length : 0;
}
