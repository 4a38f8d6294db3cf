/**
 * Coil's own requests beside LSP (named and shaped in protocol.ts), behind the VS Code
 * extension's commands: compile, process diagram, scenarios; and the server's memory, for benchmarks. Requests about the document as it is
 * in the editor wait, like Langium's own handlers, until the server has linked it.
 */
import { DocumentState, type LangiumDocument } from 'langium';
import { createServerRequestHandler, type LangiumSharedServices } from 'langium/lsp';
import type { CancellationToken, Connection } from 'vscode-languageserver';
import { compileDocument } from './compile-request.js';
import { diagramsOf } from './diagram-request.js';
import { COMPILE, DIAGRAM, MEMORY_USAGE, RUN_SCENARIO, SCENARIOS, type DocumentParams, type MemoryUsageResult } from './protocol.js';
import { runScenarioOf, scenariosOf } from './scenario-requests.js';

export function registerCoilRequests(connection: Connection, shared: LangiumSharedServices): void {
    connection.onRequest(COMPILE, compileDocument);
    connection.onRequest(RUN_SCENARIO, runScenarioOf);
    onOpenDocument(connection, shared, DIAGRAM, DocumentState.Linked, diagramsOf);
    onOpenDocument(connection, shared, SCENARIOS, DocumentState.Parsed, scenariosOf);
    connection.onRequest(MEMORY_USAGE, memoryUsage);
}

/** The server's memory, after a full garbage collection when Node exposes one (`node --expose-gc`). */
function memoryUsage(): MemoryUsageResult {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    return { ...process.memoryUsage(), collected: gc !== undefined };
}

/** Answers `method` about the server's copy of a document once it has reached `state`. */
function onOpenDocument<R extends object>(
    connection: Connection,
    shared: LangiumSharedServices,
    method: string,
    state: DocumentState,
    answer: (document: LangiumDocument) => R | Promise<R>,
): void {
    const handler = createServerRequestHandler((_services, document) => answer(document), shared, state);
    connection.onRequest(method, async (params: DocumentParams, token: CancellationToken): Promise<unknown> => handler({ textDocument: { uri: params.uri } }, token));
}
