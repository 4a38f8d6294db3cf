/**
 * The Coil extension: starts the Coil language server for `.coil` files (diagnostics, completion,
 * navigation, formatting, quick fixes and the rest come from it) and adds the commands built on
 * Coil's own requests: compile a process, show its diagram, run its scenarios.
 */
import type { ExtensionContext } from 'vscode';
import { registerCompileCommand } from './compile-command.js';
import { DiagramPanels } from './diagram-panel.js';
import { CoilLanguageServer } from './language-server.js';
import { ScenarioTests } from './scenario-tests.js';

let server: CoilLanguageServer | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
    server = new CoilLanguageServer(context);
    const scenarios = new ScenarioTests(server);
    context.subscriptions.push(server, registerCompileCommand(server), new DiagramPanels(server), scenarios);
    await server.start();
    scenarios.listOpenDocuments();
}

/** Stops the server and waits for it, so that VS Code does not leave it running. */
export async function deactivate(): Promise<void> {
    await server?.stop();
    server = undefined;
}
