/**
 * A reporter turns the result of a check into text for one audience: people at a terminal,
 * programs (JSON), code-scanning UIs (SARIF), test dashboards (JUnit), GitHub workflow logs.
 */
import type { CheckResult } from '@coil/language';

export interface ReportOptions {
    /** ANSI colour; only when writing to a terminal. */
    readonly color: boolean;
    /** The version of Coil, for formats that name their tool. */
    readonly toolVersion: string;
}

export type Reporter = (result: CheckResult, options: ReportOptions) => string;
