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

/** Checks files and folders; throws CoilInputError when a path does not exist or a coil.json is broken. */
export async function checkPaths(paths: readonly string[], options: CheckOptions = {}): Promise<CheckResult> {
    const cwd = options.cwd ?? process.cwd();
    const requested = new Map<string, Project>();
    for (const p of paths) {
        const absolute = path.resolve(cwd, p);
        if (!fs.existsSync(absolute)) throw new CoilInputError(`${p}: no such file or folder`);
        const project = findProject(absolute);
        const files = fs.statSync(absolute).isDirectory() ? listCoilFiles([absolute]) : [absolute];
        for (const file of files) requested.set(file, requested.get(file) ?? project);
    }
    const byProject = new Map<string, { project: Project; files: Set<string> }>();
    for (const [file, project] of requested) {
        const entry = byProject.get(project.root) ?? { project, files: new Set<string>() };
        entry.files.add(file);
        byProject.set(project.root, entry);
    }
    const checked: CheckedFile[] = [];
    const diagnostics: Diagnostic[] = [];
    for (const { project, files } of byProject.values()) {
        const workspaceFiles = new Set([...listCoilFiles(project.sources), ...files]);
        const sources = [...workspaceFiles].map(file => ({ file, text: readText(file) }));
        const documents = await buildWorkspace(sources, options.modules ?? []);
        for (const document of documents) {
            const file = document.uri.fsPath;
            if (!files.has(file)) continue;
            const shown = path.relative(cwd, file) || file;
            checked.push({ file: shown, text: document.textDocument.getText(), model: document.parseResult.value as Model });
            diagnostics.push(...(document.diagnostics ?? []).map(d => toCoilDiagnostic(d, shown)));
        }
    }
    checked.sort((a, b) => a.file.localeCompare(b.file));
    diagnostics.sort(compareDiagnostics);
    return { files: checked, diagnostics, counts: countBySeverity(diagnostics) };
}

/** Builds in-memory sources as one workspace; the tests and the benchmark call this directly. */
export async function buildWorkspace(
    sources: ReadonlyArray<{ file: string; text: string }>,
    modules: readonly ValidationModule[] = [],
): Promise<LangiumDocument[]> {
    const services = createCoilServices(NodeFileSystem);
    modules.forEach(m => addValidationModule(services.Coil, m));
    const factory = services.shared.workspace.LangiumDocumentFactory;
    const documents = services.shared.workspace.LangiumDocuments;
    const built = sources.map(({ file, text }) => {
        const document = factory.fromString(text, URI.file(path.resolve(file)));
        documents.addDocument(document);
        return document;
    });
    await services.shared.workspace.DocumentBuilder.build(built, { validation: true });
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

function textOf(message: LspDiagnostic['message']): string {
    return typeof message === 'string' ? message : message.value;
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
        throw new CoilInputError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
}
