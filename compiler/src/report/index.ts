/** The output formats of `coil check`, by name. */
import { githubReporter } from './github.js';
import { jsonReporter } from './json.js';
import { junitReporter } from './junit.js';
import type { Reporter } from './reporter.js';
import { sarifReporter } from './sarif.js';
import { textReporter } from './text.js';

export type { Reporter, ReportOptions } from './reporter.js';

export const REPORTERS = {
    text: textReporter,
    json: jsonReporter,
    sarif: sarifReporter,
    junit: junitReporter,
    github: githubReporter,
} as const satisfies Record<string, Reporter>;

export type FormatName = keyof typeof REPORTERS;

export const FORMAT_NAMES = Object.keys(REPORTERS) as FormatName[];
