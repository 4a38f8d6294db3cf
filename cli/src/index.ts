/**
 * The `coil` command. Exit status: 0 when the command succeeded with no errors, 1 when it found
 * errors, 2 on usage or I/O errors. `main` returns the status instead of exiting, for tests.
 *
 * Langium is loaded only by the commands that need it (see commands/check.ts), so that
 * `coil --version` and `coil --help` answer at once.
 */
import { Command, CommanderError } from 'commander';
import { registerCheck } from './commands/check.js';
import { registerCompile } from './commands/compile.js';
import { registerDoc } from './commands/doc.js';
import { registerFormat } from './commands/format.js';
import { registerGraph } from './commands/graph.js';
import { registerLsp } from './commands/lsp.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerTest } from './commands/test.js';
import { registerUsers } from './commands/users.js';
import { registerVerify } from './commands/verify.js';
import { VERSION } from './version.js';

export const EXIT = { ok: 0, errors: 1, usage: 2 } as const;

export interface Io {
    readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
    readonly stderr: NodeJS.WritableStream;
    /** The environment (NO_COLOR, FORCE_COLOR, COIL_DEBUG); default: process.env. */
    readonly env?: NodeJS.ProcessEnv;
}

/** An input error from @coil/language, recognised without loading it. */
function isInputError(e: unknown): e is Error & { code?: string } {
    return e instanceof Error && e.name === 'CoilInputError';
}

export async function main(argv: readonly string[], io: Io = process): Promise<number> {
    const env = io.env ?? process.env;
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
    registerCheck(program, { ...io, env }, code => { status = code; });
    registerCompile(program, { ...io, env }, code => { status = code; });
    registerGraph(program, { ...io, env }, code => { status = code; });
    registerDoc(program, { ...io, env }, code => { status = code; });
    registerFormat(program, { ...io, env }, code => { status = code; });
    registerTest(program, { ...io, env }, code => { status = code; });
    registerRun(program, { ...io, env }, code => { status = code; });
    registerServe(program, { ...io, env }, code => { status = code; });
    registerUsers(program, { ...io, env }, code => { status = code; });
    registerVerify(program, { ...io, env }, code => { status = code; });
    registerLsp(program, { ...io, env }, code => { status = code; });
    try {
        await program.parseAsync([...argv]);
        return status;
    } catch (e) {
        if (e instanceof CommanderError) {
            // --help and --version end with exit code 0; every other commander error is a usage error.
            return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
        }
        if (isInputError(e)) {
            io.stderr.write(e.code ? `coil: error ${e.code}: ${e.message}\n` : `coil: error: ${e.message}\n`);
            return EXIT.usage;
        }
        const message = e instanceof Error ? e.message : String(e);
        io.stderr.write(`coil: internal error, please report it: ${message}\n`);
        if (env.COIL_DEBUG === '1' && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
        return EXIT.usage;
    }
}
