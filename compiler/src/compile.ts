/**
 * `compile`: checks the given files (with the whole-process analyses), then lowers each process
 * that has no errors to a signed `coil-ir/1` workflow and its source map. A process with errors,
 * in its own file or in a shared declaration it uses, gets no workflow.
 */
import * as path from 'node:path';
import { AstUtils, type AstNode } from 'langium';
import { checkPaths, compareDiagnostics, findProject, isProcess, type CheckOptions, type CheckResult, type Diagnostic, type Process } from '@coil/language';
import { analysisModule } from './analyses/module.js';
import { signAndSerialise } from './ir/digest.js';
import { validateWorkflow } from './ir/validate.js';
import type { SignedWorkflow, SourceLocation, SourceMap } from './ir/types.js';
import { locationsOf, lowerProcess, type Locate, type Lowered } from './lower/index.js';

export interface CompiledProcess {
    readonly name: string;
    /** The file it is written in, as reported. */
    readonly file: string;
    readonly workflow: SignedWorkflow;
    /** The workflow file's bytes (`serialise(workflow)`), made with the digest in one pass. */
    readonly text: string;
    readonly sourceMap: SourceMap;
}

export interface CompileResult extends CheckResult {
    /** Processes compiled, in file order; a process with errors is absent. */
    readonly processes: readonly CompiledProcess[];
    /** Processes refused because of errors, by name. */
    readonly refused: readonly string[];
}

/** Where a node is written, relative to its workspace root, so that the map is the same on any machine. */
export const locateInWorkspace: Locate = (node, range) => {
    const document = AstUtils.getDocument(node);
    let file = fileOfDocument.get(document);
    if (file === undefined) {
        const absolute = document.uri.fsPath;
        file = path.relative(rootOf(absolute), absolute).split(path.sep).join('/');
        fileOfDocument.set(document, file);
    }
    // Keys in canonical order, so that writing the source map need not reorder them.
    return {
        column: range.start.character + 1,
        endColumn: range.end.character + 1,
        endLine: range.end.line + 1,
        file,
        line: range.start.line + 1,
    };
};

/** Each document's path relative to its workspace root, found once: a source map asks for every node. */
const fileOfDocument = new WeakMap<object, string>();
const roots = new Map<string, string>();
function rootOf(file: string): string {
    const folder = path.dirname(file);
    let root = roots.get(folder);
    if (root === undefined) {
        root = findProject(file).root;
        roots.set(folder, root);
    }
    return root;
}

export async function compilePaths(paths: readonly string[], options: CheckOptions = {}): Promise<CompileResult> {
    const cwd = options.cwd ?? process.cwd();
    // The analyses lower each process as they check it; the compile reuses those lowerings.
    const cache = new Map<Process, Lowered>();
    const modules = [analysisModule({ lowered: cache }), ...(options.modules ?? [])];
    const checked = await checkPaths(paths, { ...options, cwd, modules });
    const diagnostics: Diagnostic[] = [...checked.diagnostics];
    // Files declaring shared things the processes use must be free of errors too: check those not asked about.
    const lowered = checked.files.flatMap(f => f.model.elements.filter(isProcess).map(p => ({
        file: f.file, own: path.resolve(cwd, f.file), process: p, lowered: cache.get(p) ?? lowerProcess(p), uses: filesUsedBy(p),
    })));
    const asked = new Set(lowered.map(l => l.own));
    const dependencies = new Set(lowered.flatMap(l => [...l.uses]).filter(file => !asked.has(file)));
    if (dependencies.size > 0) {
        const more = await checkPaths([...dependencies].sort(), { ...options, cwd, modules });
        diagnostics.push(...more.diagnostics.filter(d => d.severity === 'error'));
    }
    diagnostics.sort(compareDiagnostics);
    const errors = diagnostics.filter(d => d.severity === 'error').map(d => ({ file: path.resolve(cwd, d.file), line: d.start.line }));
    /** Lines of each process, by file: an error inside one process does not refuse its neighbours. */
    const spans = new Map<string, Array<{ process: Process; from: number; to: number }>>();
    for (const { own, process: p } of lowered) {
        const range = p.$cstNode?.range;
        const list = spans.get(own) ?? [];
        if (range) list.push({ process: p, from: range.start.line + 1, to: range.end.line + 1 });
        spans.set(own, list);
    }
    const hasErrors = (p: Process, own: string, uses: ReadonlySet<string>): boolean => {
        return errors.some(e => {
            if (uses.has(e.file)) return true;
            if (e.file !== own) return false;
            // In its own file: an error inside it, or outside every process (a shared declaration there).
            const inside = (spans.get(own) ?? []).find(s => e.line >= s.from && e.line <= s.to);
            return inside === undefined || inside.process === p;
        });
    };
    const processes: CompiledProcess[] = [];
    const refused: string[] = [];
    for (const { file, own, process: p, lowered: l, uses } of lowered) {
        if (!l.complete || hasErrors(p, own, uses)) {
            refused.push(p.name);
            continue;
        }
        const { signed: workflow, text } = signAndSerialise(l.workflow);
        const valid = validateWorkflow(workflow);
        // The schema is the runtime's contract: a workflow that fails it is a compiler bug, never written.
        if (!valid.ok) throw new Error(`the workflow of ${p.name} fails its own schema: ${valid.errors.map(e => e.message).join('; ')}`);
        processes.push({ name: p.name, file, workflow, text, sourceMap: sourceMapOf(workflow.digest, locationsOf(l, locateInWorkspace)) });
    }
    const counts = { error: 0, warning: 0, info: 0 };
    for (const d of diagnostics) counts[d.severity]++;
    return { files: checked.files, diagnostics, counts, processes, refused };
}

/** The files, other than its own, declaring what a process refers to. */
function filesUsedBy(process: Process): Set<string> {
    const own = AstUtils.getDocument(process).uri.fsPath;
    const files = new Set<string>();
    for (const node of AstUtils.streamAst(process)) {
        for (const reference of AstUtils.streamReferences(node)) {
            const target: AstNode | undefined = "ref" in reference.reference ? reference.reference.ref : undefined;
            if (!target) continue;
            const file = AstUtils.getDocument(target).uri.fsPath;
            if (file !== own) files.add(file);
        }
    }
    return files;
}

function sourceMapOf(digest: string, locations: ReadonlyMap<string, SourceLocation>): SourceMap {
    const nodes: Record<string, SourceLocation> = {};
    for (const [id, location] of locations) nodes[id] = location;
    return { digest, format: 'coil-sourcemap/1', nodes };
}
