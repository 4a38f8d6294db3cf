/**
 * `coil serve [paths...] --db <file> --port <n>`: the runtime server. It compiles the sources (or
 * loads compiled workflows), registers each definition by digest, and serves the HTTP API until
 * SIGINT or SIGTERM, when it stops taking requests, finishes those in flight and the running timer
 * sweep, and closes the store. Logs are JSON lines on standard output, one per request, with its id.
 */
import { Command } from 'commander';
import { EXIT, type Io } from '../index.js';
import { openStore } from './store.js';
import { loadWorkflows } from './workflows.js';

interface ServeFlags {
    db: string;
    port: string;
    host: string;
    allowUnapproved?: boolean;
    qaRole: string[];
    sessionMinutes: string;
    logLevel: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerServe(program: Command, io: Io, setStatus: (code: number) => void): void {
    program
        .command('serve')
        .description('serve the runtime\'s HTTP API (OpenAPI at /openapi.json) for the processes in paths, on a SQLite store, until interrupted')
        .argument('[paths...]', '.coil files or folders, or compiled *.workflow.json files (default: the current folder)')
        .requiredOption('--db <file>', 'the SQLite store (created if missing); add users with coil users add')
        .option('--port <n>', 'the TCP port (0 for any free one)', '8080')
        .option('--host <address>', 'the address to listen on', '127.0.0.1')
        .option('--allow-unapproved', 'let batches start on definitions QA has not approved, marked as training batches (training and development only)')
        .option('--qa-role <role>', 'a role that counts as QA (repeatable; default: the release roles of the processes)', collect, [])
        .option('--session-minutes <n>', 'how long a sign-in lasts', '15')
        .option('--log-level <level>', 'fatal, error, warn, info, debug or silent', 'info')
        .action(async (paths: string[], flags: ServeFlags) => {
            const { CoilInputError } = await import('@coil/language');
            const port = Number(flags.port);
            const minutes = Number(flags.sessionMinutes);
            if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CoilInputError('COIL-E011', `--port ${flags.port}: expected a port number from 0 to 65535`);
            if (!(minutes > 0 && minutes <= 24 * 60)) throw new CoilInputError('COIL-E011', `--session-minutes ${flags.sessionMinutes}: expected minutes from 1 to 1440`);
            const workflows = await loadWorkflows(paths, { quiet: true }, io);
            if (!workflows) return setStatus(EXIT.errors);
            const runtime = await import('@coil/runtime');
            const { buildServer } = await import('@coil/runtime/server');
            const store = await openStore(flags.db, { mustExist: false });
            if (!(store instanceof runtime.SqliteStore)) throw new CoilInputError('COIL-E009', `${flags.db}: the server needs a SQLite store`);
            let app;
            try {
                app = await buildServer({
                    store, workflows: workflows.map(w => w.workflow), clock: runtime.systemClock, allowUnapproved: flags.allowUnapproved === true,
                    qaRoles: flags.qaRole.length > 0 ? flags.qaRole : undefined, sessionTtlMs: minutes * 60_000,
                    logger: { level: flags.logLevel, stream: io.stdout },
                });
            } catch (e) {
                await store.close();
                if (e instanceof runtime.DefinitionError) throw new CoilInputError('COIL-E009', `${e.code}: ${e.message}`);
                throw e;
            }
            try {
                await app.listen({ port, host: flags.host });
            } catch (e) {
                await app.close();
                await store.close();
                throw new CoilInputError('COIL-E011', `cannot listen on ${flags.host}:${port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
            }
            const address = app.server.address();
            const where = typeof address === 'object' && address ? `http://${address.address}:${address.port}` : String(address);
            app.log.info({ url: where, definitions: workflows.map(w => ({ process: w.name, digest: w.workflow.digest })) }, `Coil runtime serving ${workflows.length} definition(s) at ${where} (OpenAPI: ${where}/openapi.json)`);
            await new Promise<void>(resolve => {
                const stop = (signal: string) => {
                    process.off('SIGINT', onInt);
                    process.off('SIGTERM', onTerm);
                    app.log.info({ signal }, 'shutting down: finishing requests in flight');
                    void app.close().then(() => store.close()).then(resolve, resolve);
                };
                const onInt = () => stop('SIGINT');
                const onTerm = () => stop('SIGTERM');
                process.on('SIGINT', onInt);
                process.on('SIGTERM', onTerm);
            });
            setStatus(EXIT.ok);
        });
}
