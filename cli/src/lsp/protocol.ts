/**
 * Coil's own requests beside LSP: their names and shapes. The server answers them
 * (requests.ts) and the VS Code extension sends them; any other LSP client may too. Positions are
 * LSP's (0-based lines, UTF-16 characters) and files are URIs, as in the rest of the protocol.
 */
import type { Location, Range } from 'vscode-languageserver';

/** A finding of `coil check` about a file: what the Problems view would show. */
export interface CoilProblem {
    readonly uri: string;
    readonly range: Range;
    readonly severity: 'error' | 'warning' | 'info';
    /** The stable code, e.g. `COIL-H002`. */
    readonly code: string;
    readonly message: string;
}

/** A document, by URI; the only parameter of most requests. */
export interface DocumentParams {
    readonly uri: string;
}

/**
 * `coil/compile`: compiles the document's processes as saved on disk, exactly as `coil compile`
 * does, and writes `<Process>.workflow.json` with its `.workflow.map.json` into the output folder.
 * Nothing is written when a process (or a shared declaration it uses) has errors.
 */
export const COMPILE = 'coil/compile';

export interface CompileParams extends DocumentParams {
    /** An absolute folder, or one relative to the document's folder; default: the document's folder. */
    readonly outputDirectory?: string;
}

export interface CompiledWorkflow {
    readonly process: string;
    readonly version: string;
    /** The workflow's content address, `sha256:…`. */
    readonly digest: string;
    readonly workflowUri: string;
    readonly sourceMapUri: string;
}

export interface CompileResult {
    /** Empty when compiling was refused. */
    readonly compiled: readonly CompiledWorkflow[];
    /** Errors, warnings and notes of the compile; an error means nothing was written. */
    readonly problems: readonly CoilProblem[];
}

/**
 * `coil/diagram`: each process of the document (as it is in the editor, saved or not) drawn as
 * the compiler's SVG, whose `<g data-id>` elements are IR node ids, with where each id is written.
 */
export const DIAGRAM = 'coil/diagram';

export interface ProcessDiagram {
    readonly process: string;
    readonly svg: string;
    /** False when a reference does not resolve: the drawing leaves out what it could not place. */
    readonly complete: boolean;
    /** IR node id (`step:Collect`, `site:Plant`, …) -> the declaration's name in its file. */
    readonly nodes: Readonly<Record<string, Location>>;
}

export interface DiagramResult {
    readonly diagrams: readonly ProcessDiagram[];
}

/** `coil/scenarios`: the scenarios written in the document (as it is in the editor), in order. */
export const SCENARIOS = 'coil/scenarios';

export interface ScenarioInfo {
    readonly process: string;
    /** The scenario's title: unique within its process, it names the scenario in reports. */
    readonly name: string;
    /** The whole scenario block. */
    readonly range: Range;
}

export interface ScenariosResult {
    readonly scenarios: readonly ScenarioInfo[];
}

/**
 * `coil/runScenario`: compiles the document as saved (as `coil test` does) and runs one scenario
 * on the runtime with a virtual clock.
 */
export const RUN_SCENARIO = 'coil/runScenario';

export interface RunScenarioParams extends DocumentParams {
    /** The scenario's title. */
    readonly name: string;
    /** The process it belongs to, when the document has several processes with the same title. */
    readonly process?: string;
}

export interface ScenarioFailureInfo {
    /** `expected` and `actual` in one sentence, as the text report prints them. */
    readonly message: string;
    readonly expected: string;
    readonly actual: string;
    /** Where the failing entry is written, else the scenario. */
    readonly location: Location | null;
}

export interface RunScenarioResult {
    /** `errored`: the process could not be compiled (see `problems`), so nothing ran. */
    readonly outcome: 'passed' | 'failed' | 'errored';
    readonly milliseconds: number;
    readonly failure: ScenarioFailureInfo | null;
    readonly problems: readonly CoilProblem[];
    /** The batch's timeline, one event a line, as `coil test --timeline` prints it. */
    readonly timeline: string;
    /** The `coil test` text report of this scenario. */
    readonly report: string;
}

/**
 * `coil/memoryUsage`: the server's memory (Node's `process.memoryUsage()`, in bytes), after a
 * full garbage collection when the server runs with `--expose-gc`, so that two readings compare.
 */
export const MEMORY_USAGE = 'coil/memoryUsage';

export interface MemoryUsageResult {
    readonly rss: number;
    readonly heapTotal: number;
    readonly heapUsed: number;
    readonly external: number;
    readonly arrayBuffers: number;
    /** Whether a full garbage collection ran first. */
    readonly collected: boolean;
}
