/**
 * A throwaway PostgreSQL server for tests: `initdb` a cluster in a temporary directory, start it on
 * a free port (TCP on 127.0.0.1, its socket in the same directory), and stop and remove it
 * afterwards. Run as root (CI containers), the server runs as the `postgres` OS user, as PostgreSQL
 * insists. The binaries come from Debian's `postgresql` package (installed by .ci/run), or from
 * COIL_PG_BIN. Without them the caller fails with a message saying so: a missing server is never a
 * reason to skip the PostgreSQL tests.
 *
 *     const server = await startPostgres();          // in beforeAll
 *     const url = await server.createDatabase('x');   // postgresql://postgres@127.0.0.1:PORT/x
 *     await server.stop();                            // in afterAll
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** Where initdb, pg_ctl and postgres are: COIL_PG_BIN, Debian's newest /usr/lib/postgresql/N/bin, or the PATH. */
export function postgresBinaries(): string {
    const candidates: string[] = [];
    if (process.env.COIL_PG_BIN) candidates.push(process.env.COIL_PG_BIN);
    const debian = '/usr/lib/postgresql';
    if (fs.existsSync(debian)) {
        const versions = fs.readdirSync(debian).filter(v => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
        candidates.push(...versions.map(v => path.join(debian, v, 'bin')));
    }
    candidates.push(...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean));
    const found = candidates.find(dir => ['initdb', 'pg_ctl', 'postgres'].every(b => fs.existsSync(path.join(dir, b))));
    if (!found) {
        throw new Error(
            'PostgreSQL is not installed: no initdb/pg_ctl/postgres in COIL_PG_BIN, /usr/lib/postgresql/*/bin or the PATH. '
            + "Install Debian's postgresql package (`apt-get install -y postgresql`, as .ci/run does) or set COIL_PG_BIN.",
        );
    }
    return found;
}

/** A port nobody listens on right now (the server binds it a moment later). */
function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

export interface PostgresServer {
    readonly port: number;
    readonly dir: string;
    /** postgresql://postgres@127.0.0.1:PORT/DATABASE */
    url(database?: string): string;
    /**
     * Creates a database (dropping one of that name first) and returns its URL. With `icuLocale`
     * its default collation is ICU's for that locale (`en-US` sorts `a < B`), not bytes.
     */
    createDatabase(name: string, options?: { readonly icuLocale?: string }): Promise<string>;
    stop(): Promise<void>;
}

/**
 * Starts a new cluster: trust authentication on 127.0.0.1 only, UTF-8, C locale, superuser
 * `postgres`. fsync stays on: the tests measure what a real deployment would do.
 */
export async function startPostgres(options: { readonly settings?: Readonly<Record<string, string>> } = {}): Promise<PostgresServer> {
    const bin = postgresBinaries();
    const asRoot = process.getuid?.() === 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-pg-'));
    const data = path.join(dir, 'data');
    // PostgreSQL refuses to run as root: the cluster belongs to the postgres OS user then.
    const as = (command: string, args: string[]) => asRoot ? { file: 'runuser', args: ['-u', 'postgres', '--', path.join(bin, command), ...args] } : { file: path.join(bin, command), args };
    const exec = async (command: string, args: string[]) => {
        const { file, args: full } = as(command, args);
        try {
            await run(file, full, { cwd: dir, env: { ...process.env, LC_ALL: 'C' } });
        } catch (error) {
            const e = error as { stderr?: string; stdout?: string; message: string };
            let log = '';
            try {
                log = fs.readFileSync(path.join(dir, 'server.log'), 'utf8');
            } catch {
                // No log yet.
            }
            throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}${log}`);
        }
    };
    if (asRoot) {
        execFileSync('chown', ['postgres:postgres', dir]);
    }
    let started = false;
    const cleanup = () => {
        // The last resort when the test process ends without afterAll (a crash, a kill): never leave a server behind.
        if (started) {
            try {
                const { file, args } = as('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
                execFileSync(file, args, { stdio: 'ignore' });
            } catch {
                // Already stopped.
            }
        }
        fs.rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', cleanup);
    try {
        await exec('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync']);
        const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: dir, max_connections: '100', ...options.settings };
        let port = 0;
        for (let attempt = 1; ; attempt++) {
            port = await freePort();
            const flags = [`-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
            try {
                await exec('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-o', flags, '-w', '-t', '30', 'start']);
                started = true;
                break;
            } catch (error) {
                // Someone took the port between freePort and the bind: try another one.
                if (attempt >= 3) throw error;
            }
        }
        const url = (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`;
        const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
            const client = new pg.Client({ connectionString: url() });
            await client.connect();
            try {
                return await work(client);
            } finally {
                await client.end();
            }
        };
        return {
            port,
            dir,
            url,
            async createDatabase(name: string, options: { readonly icuLocale?: string } = {}): Promise<string> {
                const quoted = `"${name.replace(/"/g, '""')}"`;
                const icu = options.icuLocale ? ` LOCALE_PROVIDER icu ICU_LOCALE '${options.icuLocale.replace(/'/g, "''")}'` : '';
                await admin(async client => {
                    await client.query(`DROP DATABASE IF EXISTS ${quoted}`);
                    await client.query(`CREATE DATABASE ${quoted} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'${icu}`);
                });
                return url(name);
            },
            async stop(): Promise<void> {
                process.removeListener('exit', cleanup);
                if (started) await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
                started = false;
                fs.rmSync(dir, { recursive: true, force: true });
            },
        };
    } catch (error) {
        process.removeListener('exit', cleanup);
        cleanup();
        throw error;
    }
}
