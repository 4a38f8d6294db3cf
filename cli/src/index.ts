/**
 * The `coil` command. Exit status: 0 when the command succeeded with no errors, 1 when it found
 * errors, 2 on usage or I/O errors. `main` returns the status instead of exiting, for tests.
 */
import { Command, CommanderError } from 'commander';
import { CoilInputError } from '@coil/language';
import { registerCheck } from './commands/check.js';
import { VERSION } from './version.js';

export const EXIT = { ok: 0, errors: 1, usage: 2 } as const;

export interface Io {
    readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
    readonly stderr: NodeJS.WritableStream;
}

export async function main(argv: readonly string[], io: Io = process): Promise<number> {
    let status: number = EXIT.ok;
    const program = new Command('coil')
        .description('Coil: processes for cell-therapy manufacturing, checked, compiled and run')
        .version(VERSION, '-V, --version')
        .showHelpAfterError('(run with --help for usage)')
        .exitOverride()
        .configureOutput({
            writeOut: text => io.stdout.write(text),
            writeErr: text => io.stderr.write(text),
        });
    registerCheck(program, io, code => { status = code; });
    try {
        await program.parseAsync([...argv]);
        return status;
    } catch (e) {
        if (e instanceof CommanderError) {
            // --help and --version end with exit code 0; every other commander error is a usage error.
            return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
        }
        if (e instanceof CoilInputError) {
            io.stderr.write(`coil: ${e.message}\n`);
            return EXIT.usage;
        }
        io.stderr.write(`coil: internal error, please report it: ${(e as Error).stack ?? e}\n`);
        return EXIT.usage;
    }
}
