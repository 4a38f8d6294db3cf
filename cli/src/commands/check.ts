/** `coil check [paths...]`: validate .coil files and folders, report in the chosen format. */
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import type { CheckResult } from '@coil/language';
import type { FormatName } from '@coil/compiler';
import type { Io } from '../index.js';
import { VERSION } from '../version.js';

/**
 * The report formats, listed here so that `coil check --help` need not load the compiler (and
 * Langium); a test checks that they are the compiler's FORMAT_NAMES.
 */
export const FORMATS: readonly FormatName[] = ['text', 'json', 'sarif', 'junit', 'github'];

interface CheckFlags {
    format: FormatName;
    output?: string;
    color?: boolean;
    quiet?: boolean;
}

/** Whether an environment variable asks for something: set, not empty and not '0'. */
function isOn(value: string | undefined): boolean {
    return value !== undefined && value !== '' && value !== '0';
}

/** --color / --no-color first, then FORCE_COLOR, then NO_COLOR, then whether stdout is a terminal. */
export function useColor(flags: { color?: boolean; output?: string }, io: Io): boolean {
    if (flags.color !== undefined) return flags.color;
    const env = io.env ?? process.env;
    if (isOn(env.FORCE_COLOR)) return true;
    if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
    return flags.output === undefined && io.stdout.isTTY === true;
}

export function registerCheck(program: Command, io: Io, setStatus: (code: number) => void): void {
    program
        .command('check')
        .description('check processes for errors; exit 0 when clean (warnings allowed), 1 on errors, 2 on usage or I/O errors')
        .argument('[paths...]', '.coil files or folders (default: the current folder)')
        .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('text'))
        .option('-o, --output <file>', 'write the report to a file instead of standard output')
        .option('--color', 'colour the text report even when not on a terminal')
        .option('--no-color', 'never colour the text report')
        .option('-q, --quiet', 'report errors only, not warnings')
        .action(async (paths: string[], flags: CheckFlags) => {
            const { checkPaths, CoilInputError } = await import('@coil/language');
            const { REPORTERS, analysisModule } = await import('@coil/compiler');
            // The language's checks and the compiler's whole-process analyses, in one report.
            const result = await checkPaths(paths.length > 0 ? paths : ['.'], { modules: [analysisModule()] });
            const shown = flags.quiet ? onlyErrors(result) : result;
            const color = useColor(flags, io);
            const text = REPORTERS[flags.format](shown, { color, toolVersion: VERSION });
            if (flags.output) {
                try {
                    fs.writeFileSync(flags.output, text);
                } catch (e) {
                    throw new CoilInputError('COIL-E005', `cannot write ${flags.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
                }
            } else {
                io.stdout.write(text);
            }
            setStatus(result.counts.error > 0 ? 1 : 0);
        });
}

/** The result as if warnings and notes did not exist: the summary and counts agree with what is shown. */
function onlyErrors(result: CheckResult): CheckResult {
    const diagnostics = result.diagnostics.filter(d => d.severity === 'error');
    return { ...result, diagnostics, counts: { error: diagnostics.length, warning: 0, info: 0 } };
}
