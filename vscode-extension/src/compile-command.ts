/**
 * Coil: Compile process. The server compiles the saved file as `coil compile` does and writes the
 * signed workflow and its source map into `coil.compile.outputDirectory` (default: beside the
 * file); a refusal names the first error and leads to it.
 */
import * as path from 'node:path';
import { commands, ProgressLocation, Uri, window, workspace, type Disposable } from 'vscode';
import { COMPILE, type CoilProblem, type CompiledWorkflow, type CompileResult } from '@coil/cli/dist/lsp/protocol.js';
import { reportingFailures, savedCoilDocument } from './coil-document.js';
import type { CoilLanguageServer } from './language-server.js';

export function registerCompileCommand(server: CoilLanguageServer): Disposable {
    return commands.registerCommand('coil.compile', reportingFailures(async (uri?: Uri) => {
        const document = await savedCoilDocument(uri);
        if (!document) return;
        const file = workspace.asRelativePath(document.uri);
        const result = await window.withProgress({ location: ProgressLocation.Window, title: `Compiling ${file}` },
            () => server.request<CompileResult>(COMPILE, { uri: document.uri.toString(), outputDirectory: outputDirectoryFor(document.uri) }));
        if (result.compiled.length === 0) return showRefusal(server, file, result.problems);
        return showCompiled(result.compiled);
    }));
}

/** The setting as an absolute folder: relative to the file's workspace folder; undefined for beside the file. */
function outputDirectoryFor(uri: Uri): string | undefined {
    const setting = workspace.getConfiguration('coil.compile', uri).get<string>('outputDirectory', '').trim();
    if (!setting) return undefined;
    return path.resolve(workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath), setting);
}

async function showCompiled(compiled: readonly CompiledWorkflow[]): Promise<void> {
    const names = compiled.map(c => `${c.process} ${c.version} (${c.digest.slice(0, 19)}…)`).join(', ');
    const where = workspace.asRelativePath(path.dirname(Uri.parse(compiled[0].workflowUri).fsPath));
    const open = compiled.length === 1 ? 'Open workflow' : undefined;
    const choice = await window.showInformationMessage(`Compiled ${names} into ${where}.`, ...(open ? [open] : []));
    if (choice === open && open) await window.showTextDocument(Uri.parse(compiled[0].workflowUri));
}

async function showRefusal(server: CoilLanguageServer, file: string, problems: readonly CoilProblem[]): Promise<void> {
    const errors = problems.filter(p => p.severity === 'error');
    const first = errors[0];
    const summary = `Nothing written: ${file} cannot be compiled, ${errors.length} error${errors.length === 1 ? '' : 's'}`;
    const choice = await window.showErrorMessage(first ? `${summary}. First: ${first.code} ${first.message}` : `${summary}.`, ...(first ? ['Go to error'] : []));
    if (choice && first) {
        const location = server.location(first);
        await window.showTextDocument(location.uri, { selection: location.range });
    }
}
