/** The output formats of `coil check`, by name. */
import { jsonReporter } from './json.js';
import type { Reporter } from './reporter.js';
import { textReporter } from './text.js';

export type { Reporter, ReportOptions } from './reporter.js';

export const REPORTERS = {
    text: textReporter,
    json: jsonReporter,
} as const satisfies Record<string, Reporter>;

export type FormatName = keyof typeof REPORTERS;

export const FORMAT_NAMES = Object.keys(REPORTERS) as FormatName[];
