/**
 * The `.coil` document a command acts on, and how a command reports a failure: commands run from
 * the explorer or an editor's title get the file's URI, from the palette the active editor's.
 */
import { window, workspace, type TextDocument, type Uri } from 'vscode';

export async function coilDocument(uri?: Uri): Promise<TextDocument | undefined> {
    const target = uri ?? window.activeTextEditor?.document.uri;
    const document = target ? await workspace.openTextDocument(target) : undefined;
    if (document?.languageId !== 'coil') {
        void window.showWarningMessage('Open a Coil process (a .coil file) first.');
        return undefined;
    }
    return document;
}

/**
 * The document, saved first when it has unsaved changes: compiling and running scenarios work on
 * the files as saved, as `coil compile` and `coil test` in CI do.
 */
export async function savedCoilDocument(uri?: Uri): Promise<TextDocument | undefined> {
    const document = await coilDocument(uri);
    if (document?.isDirty && !(await document.save())) {
        void window.showWarningMessage(`${workspace.asRelativePath(document.uri)} could not be saved, so it was not compiled.`);
        return undefined;
    }
    return document;
}

/** A command's body, with any failure (a refused request, a server that is down) shown to the user. */
export function reportingFailures<A extends unknown[]>(body: (...args: A) => Promise<unknown>): (...args: A) => Promise<void> {
    return async (...args) => {
        try {
            await body(...args);
        } catch (e) {
            void window.showErrorMessage(`Coil: ${e instanceof Error ? e.message : String(e)}`);
        }
    };
}
