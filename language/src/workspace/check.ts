/**
 * `check`: loads the workspaces of the given paths, builds them with Langium (parse, link,
 * validate) and returns the diagnostics of the files asked about. Pure of output: the CLI formats.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { URI, type LangiumDocument } from 'langium';
import { NodeFileSystem } from 'langium/node';
import type { Diagnostic as LspDiagnostic } from 'vscode-languageserver-types';
import { createCoilServices } from '../coil-module.js';
import { textOf } from '../coil-document-validator.js';
import { CODES, isCode, type Severity } from '../diagnostics/codes.js';
import { compareDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { CoilInputError, findProject, listCoilFiles, type Project } from './project.js';
import type { ValidationModule } from '../validation/index.js';
import { addValidationModule } from '../validation/index.js';
import type { Model } from '../generated/ast.js';

export interface CheckOptions {
    /** Paths in diagnostics are made relative to this folder (default: the working directory). */
    readonly cwd?: string;
    /** Extra validation modules, e.g. the compiler's whole-process analyses. */
    readonly modules?: readonly ValidationModule[];
}

export interface CheckedFile {
    /** The path as reported (relative to cwd). */
    readonly file: string;
    readonly text: string;
    readonly model: Model;
}

export interface CheckResult {
    readonly files: readonly CheckedFile[];
    readonly diagnostics: readonly Diagnostic[];
    readonly counts: Readonly<Record<Severity, number>>;
}

/**
 * Checks files and folders; throws CoilInputError when a path does not exist, is not a .coil file,
 * a folder holds no .coil file, or a coil.json is broken. Each file is checked in its own workspace
 * (nearest coil.json upward), so a folder argument may span several workspaces.
 */
export async function checkPaths(paths: readonly string[], options: CheckOptions = {}): Promise<CheckResult> {
    const cwd = options.cwd ?? process.cwd();
    /** Absolute file -> the path as shown. */
    const requested = new Map<string, string>();
    for (const p of paths) {
        const absolute = path.resolve(cwd, p);
        if (!fs.existsSync(absolute)) throw new CoilInputError('COIL-E001', `${p}: no such file or folder`);
        const stat = fs.statSync(absolute);
        let files: string[];
        if (stat.isDirectory()) {
            files = listCoilFiles([absolute], { crossProjects: true });
            if (files.length === 0) throw new CoilInputError('COIL-E004', `no .coil files below ${p}`);
        } else if (stat.isFile() && absolute.endsWith('.coil')) {
            files = [absolute];
        } else {
            throw new CoilInputError('COIL-E002', `${p}: not a .coil file (give .coil files or folders holding them)`);
        }
        for (const file of files) {
            if (requested.has(file)) continue;
            requested.set(file, path.isAbsolute(p) ? file : path.relative(cwd, file) || file);
        }
    }
    const byProject = new Map<string, { project: Project; files: Set<string> }>();
    const projectOfFolder = new Map<string, Project>();
    for (const file of requested.keys()) {
        const folder = path.dirname(file);
        const project = projectOfFolder.get(folder) ?? findProject(file);
        projectOfFolder.set(folder, project);
        const entry = byProject.get(project.root) ?? { project, files: new Set<string>() };
        entry.files.add(file);
        byProject.set(project.root, entry);
    }
    const checked: CheckedFile[] = [];
    const diagnostics: Diagnostic[] = [];
    for (const { project, files } of byProject.values()) {
        const sources = workspaceSources(project, files).map(file => ({ file, text: readText(file) }));
        const { documents, tooDeep } = await buildSafely(sources, options.modules ?? [], files);
        for (const document of documents) {
            const file = document.uri.fsPath;
            const shown = requested.get(file);
            if (!files.has(file) || shown === undefined) continue;
            checked.push({ file: shown, text: document.textDocument.getText(), model: document.parseResult.value as Model });
            diagnostics.push(...(document.diagnostics ?? []).map(d => toCoilDiagnostic(d, shown)));
        }
        for (const file of tooDeep) {
            const shown = requested.get(file);
            if (!files.has(file) || shown === undefined) continue;
            diagnostics.push({
                code: 'COIL-X001',
                severity: 'error',
                message: 'This file nests too deeply to check (the nesting of blocks exceeds what Coil can follow). Flatten the nested parallel or branch blocks.',
                file: shown,
                start: { line: 1, column: 1 },
                end: { line: 1, column: 1 },
            });
        }
    }
    checked.sort((a, b) => a.file.localeCompare(b.file));
    diagnostics.sort(compareDiagnostics);
    return { files: checked, diagnostics, counts: countBySeverity(diagnostics) };
}

/** The workspace's files plus the requested ones, each real file once (a requested path wins). */
function workspaceSources(project: Project, requestedFiles: ReadonlySet<string>): string[] {
    const byReal = new Map<string, string>();
    const add = (file: string, wins: boolean): void => {
        let real = file;
        try { real = fs.realpathSync(file); } catch { /* keep the path */ }
        if (wins || !byReal.has(real)) byReal.set(real, file);
    };
    for (const file of listCoilFiles(project.sources)) add(file, false);
    for (const file of requestedFiles) add(file, true);
    return [...byReal.values()];
}

function isStackOverflow(e: unknown): boolean {
    return e instanceof RangeError && /call stack/i.test(e.message);
}

/**
 * Builds a workspace; when that overflows the stack (a file nesting too deeply), finds the files
 * that overflow on their own and builds the others without them, so they are still reported.
 */
async function buildSafely(
    sources: ReadonlyArray<{ file: string; text: string }>,
    modules: readonly ValidationModule[],
    only: ReadonlySet<string>,
): Promise<{ documents: LangiumDocument[]; tooDeep: string[] }> {
    try {
        return { documents: await buildWorkspace(sources, modules, only), tooDeep: [] };
    } catch (e) {
        if (!isStackOverflow(e)) throw e;
    }
    const tooDeep: string[] = [];
    const rest: Array<{ file: string; text: string }> = [];
    for (const source of sources) {
        try {
            await buildWorkspace([source], modules, only);
            rest.push(source);
        } catch (e) {
            if (!isStackOverflow(e)) throw e;
            tooDeep.push(source.file);
        }
    }
    try {
        return { documents: await buildWorkspace(rest, modules, only), tooDeep };
    } catch (e) {
        if (!isStackOverflow(e)) throw e;
        return { documents: [], tooDeep: sources.map(s => s.file) };
    }
}

/**
 * Builds in-memory sources as one workspace; the tests and the benchmark call this directly.
 * With `only`, just those files are linked and validated; the others are parsed and indexed, so
 * their declarations are visible (their references resolve lazily when a check follows them).
 */
export async function buildWorkspace(
    sources: ReadonlyArray<{ file: string; text: string }>,
    modules: readonly ValidationModule[] = [],
    only?: ReadonlySet<string>,
): Promise<LangiumDocument[]> {
    const services = createCoilServices(NodeFileSystem);
    modules.forEach(m => addValidationModule(services.Coil, m));
    const factory = services.shared.workspace.LangiumDocumentFactory;
    const documents = services.shared.workspace.LangiumDocuments;
    const builder = services.shared.workspace.DocumentBuilder;
    const built = sources.map(({ file, text }) => {
        const document = factory.fromString(text, URI.file(path.resolve(file)));
        documents.addDocument(document);
        return document;
    });
    if (only === undefined) {
        await builder.build(built, { validation: true });
        return built;
    }
    const asked = built.filter(d => only.has(d.uri.fsPath));
    const others = built.filter(d => !only.has(d.uri.fsPath));
    // Parse, index and compute scopes of the rest first, without linking or validating them.
    if (others.length > 0) await builder.build(others, { eagerLinking: false, validation: false });
    await builder.build(asked, { validation: true });
    return built;
}

export function toCoilDiagnostic(d: LspDiagnostic, file: string): Diagnostic {
    const code = isCode(d.code) ? d.code : 'COIL-X001';
    return {
        code,
        severity: code === 'COIL-X001' ? 'error' : CODES[code].severity,
        message: code === 'COIL-X001' ? `Coil could not finish a check here; please report it: ${textOf(d.message)}` : textOf(d.message),
        file,
        start: { line: d.range.start.line + 1, column: d.range.start.character + 1 },
        end: { line: d.range.end.line + 1, column: d.range.end.character + 1 },
    };
}


function countBySeverity(diagnostics: readonly Diagnostic[]): Record<Severity, number> {
    const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
    for (const d of diagnostics) counts[d.severity]++;
    return counts;
}

function readText(file: string): string {
    try {
        return fs.readFileSync(file, 'utf8');
    } catch (e) {
        throw new CoilInputError('COIL-E005', `${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
}
