/**
 * The one diagnostic type every Coil tool reports: the language's checks, the compiler's
 * analyses, and every output format (text, JSON, SARIF, JUnit, GitHub annotations).
 */
import type { Code, Severity } from './codes.js';

/** A position in a file: 1-based line and column, as people and most tools count them. */
export interface Position {
    readonly line: number;
    readonly column: number;
}

export interface Diagnostic {
    readonly code: Code;
    readonly severity: Severity;
    readonly message: string;
    /** Path of the file, relative to the working directory when reported from the CLI. */
    readonly file: string;
    readonly start: Position;
    /** Exclusive end. */
    readonly end: Position;
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Sorts by file, then position, then severity: the order people read a report in. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
    return a.file.localeCompare(b.file)
        || a.start.line - b.start.line
        || a.start.column - b.start.column
        || ORDER[a.severity] - ORDER[b.severity]
        || a.code.localeCompare(b.code);
}
