/** `coil check [paths...]`: validate .coil files and folders, report in the chosen format. */
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import { checkPaths, CoilInputError, type CheckResult } from '@coil/language';
import { FORMAT_NAMES, REPORTERS, type FormatName } from '@coil/compiler';
import type { Io } from '../index.js';
import { VERSION } from '../version.js';

interface CheckFlags {
    format: FormatName;
    output?: string;
    color?: boolean;
    quiet?: boolean;
}

export function registerCheck(program: Command, io: Io, setStatus: (code: number) => void): void {
    program
        .command('check')
        .description('check processes for errors; exit 0 when clean (warnings allowed), 1 on errors, 2 on usage or I/O errors')
        .argument('[paths...]', '.coil files or folders (default: the current folder)')
        .addOption(new Option('-f, --format <format>', 'output format').choices(FORMAT_NAMES).default('text'))
        .option('-o, --output <file>', 'write the report to a file instead of standard output')
        .option('--color', 'colour the text report even when not on a terminal')
        .option('--no-color', 'never colour the text report')
        .option('-q, --quiet', 'report errors only, not warnings')
        .action(async (paths: string[], flags: CheckFlags) => {
            const result = await checkPaths(paths.length > 0 ? paths : ['.']);
            const shown = flags.quiet ? onlyErrors(result) : result;
            const color = flags.color ?? (flags.output === undefined && io.stdout.isTTY === true && !process.env.NO_COLOR);
            const text = REPORTERS[flags.format](shown, { color, toolVersion: VERSION });
            if (flags.output) {
                try {
                    fs.writeFileSync(flags.output, text);
                } catch (e) {
                    throw new CoilInputError(`cannot write ${flags.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
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
