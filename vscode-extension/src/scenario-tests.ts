/**
 * Scenarios in VS Code's Testing view: each `.coil` file of the workspace is a test file, each of
 * its scenarios a test, listed by `coil/scenarios` (from the text in the editor, so that the
 * gutter's run buttons follow edits) and run by `coil/runScenario` as `coil test` runs them: a
 * failure shows what was expected, what happened, where, and the batch's timeline.
 * Coil: Run scenarios runs the current file's.
 */
import {
    CancellationTokenSource, commands, MarkdownString, TestMessage, TestRunProfileKind, TestRunRequest, tests, Uri, workspace,
    type CancellationToken, type Disposable, type TestController, type TestItem, type TestRun, type TextDocument,
} from 'vscode';
import { RUN_SCENARIO, SCENARIOS, type RunScenarioResult, type ScenarioInfo, type ScenariosResult } from '@coil/cli/dist/lsp/protocol.js';
import { reportingFailures, savedCoilDocument } from './coil-document.js';
import type { CoilLanguageServer } from './language-server.js';

/** What a scenario's test item stands for. */
interface ScenarioRef {
    readonly uri: string;
    readonly process: string;
    readonly name: string;
}

/** How long the listing waits after the last keystroke before asking the server again. */
const RELIST_AFTER_MS = 500;

export class ScenarioTests implements Disposable {
    private readonly controller: TestController;
    private readonly scenarios = new WeakMap<TestItem, ScenarioRef>();
    private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
    private readonly subscriptions: Disposable[];

    constructor(private readonly server: CoilLanguageServer) {
        this.controller = tests.createTestController('coil.scenarios', 'Coil scenarios');
        this.controller.resolveHandler = item => (item ? this.list(item.uri!) : this.findFiles());
        this.controller.refreshHandler = () => this.findFiles();
        this.controller.createRunProfile('Run scenarios', TestRunProfileKind.Run, (request, token) => this.run(request, token), true);
        const watcher = workspace.createFileSystemWatcher('**/*.coil');
        this.subscriptions = [
            this.controller,
            watcher,
            watcher.onDidCreate(uri => this.fileItem(uri)),
            watcher.onDidDelete(uri => this.controller.items.delete(uri.toString())),
            workspace.onDidOpenTextDocument(document => this.relist(document, 0)),
            workspace.onDidChangeTextDocument(e => this.relist(e.document, RELIST_AFTER_MS)),
            commands.registerCommand('coil.runScenarios', reportingFailures((uri?: Uri) => this.runFile(uri))),
        ];
    }

    /** Lists the scenarios of the documents open when the server has just started. */
    listOpenDocuments(): void {
        workspace.textDocuments.forEach(document => this.relist(document, 0));
    }

    dispose(): void {
        this.pending.forEach(timer => clearTimeout(timer));
        this.subscriptions.forEach(s => s.dispose());
    }

    private async findFiles(): Promise<void> {
        const files = await workspace.findFiles('**/*.coil', '**/node_modules/**');
        files.forEach(uri => this.fileItem(uri));
    }

    private fileItem(uri: Uri): TestItem {
        const key = uri.toString();
        const existing = this.controller.items.get(key);
        if (existing) return existing;
        const item = this.controller.createTestItem(key, workspace.asRelativePath(uri), uri);
        item.canResolveChildren = true;
        this.controller.items.add(item);
        return item;
    }

    private relist(document: TextDocument, delay: number): void {
        if (document.languageId !== 'coil' || document.uri.scheme !== 'file') return;
        const key = document.uri.toString();
        clearTimeout(this.pending.get(key));
        this.pending.set(key, setTimeout(() => {
            this.pending.delete(key);
            this.list(document.uri).catch(() => undefined);
        }, delay));
    }

    /** Replaces a file's scenarios with those the server lists now. */
    private async list(uri: Uri): Promise<void> {
        const file = this.fileItem(uri);
        const { scenarios } = await this.server.request<ScenariosResult>(SCENARIOS, { uri: uri.toString() });
        const processes = new Set(scenarios.map(s => s.process));
        const items = scenarios.map(s => this.scenarioItem(file, s, processes.size > 1));
        // A title written twice (an error Coil reports) would make two items of one id, which VS Code refuses: the first stands.
        file.children.replace(items.filter((item, i) => items.findIndex(other => other.id === item.id) === i));
        file.canResolveChildren = false;
    }

    private scenarioItem(file: TestItem, scenario: ScenarioInfo, showProcess: boolean): TestItem {
        const item = this.controller.createTestItem(`${file.id}#${scenario.process}/${scenario.name}`, scenario.name, file.uri);
        item.range = this.server.range(scenario.range);
        if (showProcess) item.description = scenario.process;
        this.scenarios.set(item, { uri: file.id, process: scenario.process, name: scenario.name });
        return item;
    }

    private async runFile(uri?: Uri): Promise<void> {
        const document = await savedCoilDocument(uri);
        if (!document) return;
        const tokens = new CancellationTokenSource();
        try {
            await this.run(new TestRunRequest([this.fileItem(document.uri)]), tokens.token);
        } finally {
            tokens.dispose();
        }
    }

    private async run(request: TestRunRequest, token: CancellationToken): Promise<void> {
        const run = this.controller.createTestRun(request);
        try {
            const queue = await this.scenariosIn(request);
            await this.saveFilesOf(queue);
            for (const item of queue) {
                if (token.isCancellationRequested) run.skipped(item);
                else await this.runOne(run, item);
            }
        } finally {
            run.end();
        }
    }

    /** The scenarios a request names (whole files expanded), less those it excludes. */
    private async scenariosIn(request: TestRunRequest): Promise<TestItem[]> {
        const excluded = new Set(request.exclude ?? []);
        const roots: TestItem[] = [];
        if (request.include) roots.push(...request.include);
        else this.controller.items.forEach(item => roots.push(item));
        const queue: TestItem[] = [];
        for (const item of roots) {
            if (excluded.has(item)) continue;
            if (this.scenarios.has(item)) {
                queue.push(item);
                continue;
            }
            if (item.canResolveChildren) await this.list(item.uri!);
            item.children.forEach(child => { if (!excluded.has(child)) queue.push(child); });
        }
        return queue;
    }

    /** Scenarios run on the files as saved, as in CI: unsaved edits to them are saved first. */
    private async saveFilesOf(queue: readonly TestItem[]): Promise<void> {
        const files = new Set(queue.map(item => this.scenarios.get(item)!.uri));
        for (const document of workspace.textDocuments) {
            if (document.isDirty && files.has(document.uri.toString())) await document.save();
        }
    }

    private async runOne(run: TestRun, item: TestItem): Promise<void> {
        const scenario = this.scenarios.get(item)!;
        run.started(item);
        try {
            const result = await this.server.request<RunScenarioResult>(RUN_SCENARIO, scenario);
            run.appendOutput(result.report.replace(/\r?\n/g, '\r\n'), undefined, item);
            if (result.outcome === 'passed') run.passed(item, result.milliseconds);
            else if (result.outcome === 'failed') run.failed(item, this.failureMessage(result), result.milliseconds);
            else run.errored(item, this.compileErrors(result));
        } catch (e) {
            run.errored(item, new TestMessage(e instanceof Error ? e.message : String(e)));
        }
    }

    private failureMessage(result: RunScenarioResult): TestMessage {
        const failure = result.failure!;
        const message = new TestMessage(new MarkdownString().appendText(failure.message).appendMarkdown('\n\n**Batch timeline**\n').appendCodeblock(result.timeline, 'text'));
        if (failure.location) message.location = this.server.location(failure.location);
        return message;
    }

    /** Why the scenario did not run: the process's errors, each where it is. */
    private compileErrors(result: RunScenarioResult): TestMessage[] {
        const errors = result.problems.filter(p => p.severity === 'error');
        if (errors.length === 0) return [new TestMessage(result.report)];
        return errors.map(p => {
            const message = new TestMessage(`${p.code} ${p.message}`);
            message.location = this.server.location(p);
            return message;
        });
    }
}
