/**
 * `coil users add|list|disable|enable|password|access --db <file>`: the accounts of the runtime
 * server, kept in the store's file. Passwords are asked for on the terminal (twice, not echoed), or
 * read from the first line of standard input when it is not a terminal (scripts, CI). Every change
 * is written to the security log with the operating-system user who made it. Accounts are disabled,
 * never deleted, and their ids never reused.
 */
import * as os from 'node:os';
import * as readline from 'node:readline';
import { Command, Option } from 'commander';
import { EXIT, type Io } from '../index.js';
import { openStore } from './store.js';

interface DbFlags {
    db: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Who made a change from the command line, for the security log. */
const admin = () => `admin:${os.userInfo().username}`;

export function registerUsers(program: Command, io: Io, setStatus: (code: number) => void): void {
    const users = program.command('users').description('manage the accounts of the runtime server (coil serve): add, list, disable, enable, password, access');

    users.command('add')
        .description('add an account; asks for its password (or reads it from standard input)')
        .argument('<id>', 'the user id (never reused, even after the account is disabled)')
        .requiredOption('--db <file>', 'the SQLite store the server runs on (created if missing)')
        .requiredOption('--name <printed name>', 'the printed name shown on every record and signature')
        .option('--role <role>', 'a role, as named in the processes (repeatable)', collect, [])
        .option('--qualification <id[:expiry]>', 'a qualification with its expiry date, e.g. GMPBasics:2027-06-30 (repeatable)', collect, [])
        .action(async (id: string, flags: DbFlags & { name: string; role: string[]; qualification: string[] }) => {
            // Everything that can be wrong with the input is found before the store is opened (or created).
            const { CoilInputError } = await import('@coil/language');
            const server = await import('@coil/runtime/server');
            const wrong = server.newUserProblem(id, flags.name);
            if (wrong) throw new CoilInputError('COIL-E010', wrong);
            const qualifications = flags.qualification.map(q => parseQualification(q, message => {
                throw new CoilInputError('COIL-E010', message);
            }));
            const password = await newPassword(id, server.passwordProblem);
            const hash = await server.hashPassword(password);
            await withDirectory(flags.db, false, async ({ directory }) => {
                const user = directory.addUser({ user: id, name: flags.name, roles: flags.role, qualifications }, hash, admin(), Date.now());
                io.stdout.write(`Added ${user.user} (${user.name}), roles ${user.roles.join(', ') || 'none'}${user.qualifications.length ? `, qualifications ${user.qualifications.map(q => `${q.id}${q.expires ? ` until ${q.expires}` : ''}`).join(', ')}` : ''}\n`);
                setStatus(EXIT.ok);
            });
        });

    users.command('list')
        .description('list the accounts, disabled ones included')
        .requiredOption('--db <file>', 'the SQLite store')
        .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
        .action(async (flags: DbFlags & { format: 'text' | 'json' }) => withDirectory(flags.db, true, async ({ directory }) => {
            const all = directory.users();
            if (flags.format === 'json') io.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
            else for (const u of all) io.stdout.write(`${u.user}\t${u.name}\t${u.roles.join(',') || '-'}\t${u.qualifications.map(q => `${q.id}${q.expires ? `:${q.expires}` : ''}`).join(',') || '-'}${u.disabled ? '\tDISABLED' : ''}\n`);
            setStatus(EXIT.ok);
        }));

    for (const [name, disabled] of [['disable', true], ['enable', false]] as const) {
        users.command(name)
            .description(disabled ? 'disable an account: it can no longer sign in, and its sessions end at once' : 'enable a disabled account again')
            .argument('<id>', 'the user id')
            .requiredOption('--db <file>', 'the SQLite store')
            .requiredOption('--reason <text>', 'why (kept in the security log)')
            .action(async (id: string, flags: DbFlags & { reason: string }) => withDirectory(flags.db, true, async ({ directory }) => {
                const user = directory.setDisabled(id, disabled, admin(), flags.reason, Date.now());
                io.stdout.write(`${user.user} (${user.name}) ${disabled ? 'disabled' : 'enabled'}\n`);
                setStatus(EXIT.ok);
            }));
    }

    users.command('password')
        .description('set a new password; the account\'s sessions end')
        .argument('<id>', 'the user id')
        .requiredOption('--db <file>', 'the SQLite store')
        .action(async (id: string, flags: DbFlags) => withDirectory(flags.db, true, async ({ directory, server, fail }) => {
            if (!directory.user(id)) fail(`no user ${id}`);
            const password = await newPassword(id, server.passwordProblem);
            directory.setPassword(id, await server.hashPassword(password), admin(), Date.now());
            io.stdout.write(`Password of ${id} changed\n`);
            setStatus(EXIT.ok);
        }));

    users.command('access')
        .description('replace an account\'s roles and qualifications')
        .argument('<id>', 'the user id')
        .requiredOption('--db <file>', 'the SQLite store')
        .option('--role <role>', 'a role (repeatable)', collect, [])
        .option('--qualification <id[:expiry]>', 'a qualification with its expiry (repeatable)', collect, [])
        .requiredOption('--reason <text>', 'why (kept in the security log)')
        .action(async (id: string, flags: DbFlags & { role: string[]; qualification: string[]; reason: string }) => withDirectory(flags.db, true, async ({ directory, fail }) => {
            const user = directory.setAccess(id, flags.role, flags.qualification.map(q => parseQualification(q, fail)), admin(), flags.reason, Date.now());
            io.stdout.write(`${user.user}: roles ${user.roles.join(', ') || 'none'}; qualifications ${user.qualifications.map(q => `${q.id}${q.expires ? ` until ${q.expires}` : ''}`).join(', ') || 'none'}\n`);
            setStatus(EXIT.ok);
        }));
}

type ServerModule = typeof import('@coil/runtime/server');

/** Opens the store and its directory; directory errors become input errors (exit 2, nothing written). */
async function withDirectory(db: string, mustExist: boolean, work: (x: { directory: InstanceType<ServerModule['SqliteDirectory']>; server: ServerModule; fail: (message: string) => never }) => Promise<void>): Promise<void> {
    const { CoilInputError } = await import('@coil/language');
    const server = await import('@coil/runtime/server');
    const { SqliteStore } = await import('@coil/runtime');
    const store = await openStore(db, { mustExist });
    try {
        if (!(store instanceof SqliteStore)) throw new CoilInputError('COIL-E009', `${db}: users need a SQLite store`);
        const fail = (message: string): never => {
            throw new CoilInputError('COIL-E010', message);
        };
        await work({ directory: new server.SqliteDirectory(store.connection), server, fail });
    } catch (e) {
        if (e instanceof server.DirectoryError) throw new CoilInputError('COIL-E010', `${e.code}: ${e.message}`);
        throw e;
    } finally {
        await store.close();
    }
}

function parseQualification(text: string, fail: (message: string) => never): { id: string; expires: string | null } {
    const [id, expires, ...rest] = text.split(':');
    // A date in the calendar: Date.parse would take 2027-02-30 for 2 March.
    const valid = id && rest.length === 0 && (expires === undefined || (/^\d{4}-\d{2}-\d{2}$/.test(expires) && !Number.isNaN(Date.parse(expires)) && new Date(Date.parse(expires)).toISOString().slice(0, 10) === expires));
    if (!valid) fail(`--qualification ${text}: expected an id with an optional ISO expiry date, such as GMPBasics:2027-06-30`);
    return { id, expires: expires ?? null };
}

/** A new password: asked twice on a terminal, else the first line of standard input. */
async function newPassword(user: string, problem: (password: string) => string | null): Promise<string> {
    const { CoilInputError } = await import('@coil/language');
    let password: string;
    if (process.stdin.isTTY) {
        password = await askHidden(`Password for ${user}: `);
        const again = await askHidden('Again: ');
        if (again !== password) throw new CoilInputError('COIL-E010', 'the two passwords differ');
    } else {
        password = (await readFirstLine()) ?? '';
    }
    const wrong = problem(password);
    if (wrong) throw new CoilInputError('COIL-E010', wrong);
    return password;
}

async function readFirstLine(): Promise<string | null> {
    const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of rl) {
        rl.close();
        return line;
    }
    return null;
}

function askHidden(prompt: string): Promise<string> {
    return new Promise(resolve => {
        const output = process.stderr;
        output.write(prompt);
        const rl = readline.createInterface({ input: process.stdin, output, terminal: true });
        // Echo nothing of what is typed.
        (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
        rl.question('', answer => {
            rl.close();
            output.write('\n');
            resolve(answer);
        });
    });
}
