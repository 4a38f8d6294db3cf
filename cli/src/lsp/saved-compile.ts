/**
 * What `coil/compile` and `coil/runScenario` share: compiling a document's file as saved, the way
 * `coil compile` and `coil test` do (its workspace found from the file, the same analyses), so the
 * editor and CI agree on every digest and every refusal. Findings come back as LSP problems.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { URI } from 'langium';
import { ResponseError, ErrorCodes, type Location, type Range } from 'vscode-languageserver';
import { compilePaths, type CompileResult } from '@coil/compiler';
import type { SourceLocation } from '@coil/compiler/ir';
import { findProject, listCoilFiles, type Diagnostic, type Position } from '@coil/language';
import type { CoilProblem } from './protocol.js';

/** The file behind a `file:` URI; any other document has nothing on disk to compile. */
export function fileOf(uri: string): string {
    const parsed = URI.parse(uri);
    if (parsed.scheme !== 'file') throw new ResponseError(ErrorCodes.InvalidParams, `${uri} is not a saved file: save the process as a .coil file first.`);
    return parsed.fsPath;
}

/** How many files' compiles are kept: running a file's scenarios one by one compiles it once. */
const KEPT = 4;
const compiles = new Map<string, { stamp: string; result: CompileResult }>();

/**
 * Compiles `file` (an absolute path) with its workspace; input errors (no such file, a broken
 * coil.json) become request errors. The result is reused while no file of the workspace has
 * changed on disk, by whatever means (the editor, git, another tool).
 */
export async function compileSaved(file: string): Promise<CompileResult> {
    try {
        const stamp = savedState(file);
        const kept = compiles.get(file);
        if (kept?.stamp === stamp) return kept.result;
        const result = await compilePaths([file], { cwd: path.dirname(file) });
        compiles.delete(file);
        compiles.set(file, { stamp, result });
        if (compiles.size > KEPT) compiles.delete(compiles.keys().next().value!);
        return result;
    } catch (e) {
        if (e instanceof Error && e.name === 'CoilInputError') throw new ResponseError(ErrorCodes.InvalidRequest, e.message);
        throw e;
    }
}

/** The size and modification time of the file, its workspace's .coil files and its coil.json. */
function savedState(file: string): string {
    const project = findProject(file);
    const files = [file, ...listCoilFiles(project.sources), ...(project.projectFile ? [project.projectFile] : [])];
    return files.map(f => {
        const stat = fs.statSync(f, { throwIfNoEntry: false });
        return `${f} ${stat?.size} ${stat?.mtimeMs}`;
    }).join('\n');
}

/** The compile's findings, with the files given as absolute paths (as `compileSaved` reports them). */
export function problemsOf(result: CompileResult): CoilProblem[] {
    return result.diagnostics.map(problemOf);
}

/** True when the compile refused a process: nothing may be written or run. */
export function refused(result: CompileResult): boolean {
    return result.counts.error > 0 || result.refused.length > 0;
}

function problemOf(d: Diagnostic): CoilProblem {
    return {
        uri: URI.file(d.file).toString(),
        range: rangeOf(d.start, d.end),
        severity: d.severity,
        code: d.code,
        message: d.message,
    };
}

/** A source map entry (1-based, relative to the workspace root) as an LSP location. */
export function locationOf(entry: SourceLocation, root: string): Location {
    return {
        uri: URI.file(path.join(root, entry.file)).toString(),
        range: rangeOf(entry, { line: entry.endLine, column: entry.endColumn }),
    };
}

/** Coil's 1-based positions as an LSP range (0-based). */
function rangeOf(start: Position, end: Position): Range {
    return { start: { line: start.line - 1, character: start.column - 1 }, end: { line: end.line - 1, character: end.column - 1 } };
}
