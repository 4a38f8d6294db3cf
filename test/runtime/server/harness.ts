/**
 * The runtime server for tests, over real HTTP on loopback: a SQLite store in a temporary folder,
 * the server listening on a free port, users added to its directory, and a small client (fetch)
 * that signs in and signs. `httpExecutor` lets the scenario runner and the autopilot drive a batch
 * through the API as the people of their cast, so that every scenario of a process runs over HTTP.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SignedWorkflow } from '@coil/compiler/ir';
import { SqliteStore, VirtualClock, type Actor, type Clock, type Command, type CommandOutcome, type RecordedEvent } from '@coil/runtime';
import { buildServer, COMMAND_OPERATIONS, hashPassword, SqliteDirectory, type ServerOptions } from '@coil/runtime/server';
import type { FastifyInstance } from 'fastify';

const GOLDEN = path.resolve(__dirname, '../../compiler/golden');

/** The compiled examples (the compiler's golden files), by process name. */
export function goldenWorkflow(process: string): SignedWorkflow {
    for (const f of fs.readdirSync(GOLDEN).filter(x => x.endsWith('.workflow.json'))) {
        const w = JSON.parse(fs.readFileSync(path.join(GOLDEN, f), 'utf8')) as SignedWorkflow;
        if (w.process.name === process) return w;
    }
    throw new Error(`no golden workflow of ${process}`);
}

export const PASSWORD = 'correct horse battery staple';

/** A clock the test moves: a virtual clock that can be swapped for another (each scenario starts on its own). */
export class TestClock implements Clock {
    current: VirtualClock;
    constructor(start: number) {
        this.current = new VirtualClock(start);
    }
    now(): number {
        return this.current.now();
    }
    advance(ms: number): void {
        this.current.advance(ms);
    }
}

export interface TestServer {
    readonly url: string;
    readonly app: FastifyInstance;
    readonly store: SqliteStore;
    readonly directory: SqliteDirectory;
    readonly dbPath: string;
    readonly clock: TestClock;
    /** Adds a user with the test password. */
    addUser(user: string, roles: readonly string[], options?: { name?: string; qualifications?: ReadonlyArray<{ id: string; expires: string | null }> }): Promise<void>;
    /** Signs in with the test password and returns a client for that user. */
    login(user: string): Promise<Client>;
    /** Every event of every batch, counted in the store. */
    eventCount(): number;
    close(): Promise<void>;
}

export interface StartOptions extends Partial<Omit<ServerOptions, 'store' | 'clock'>> {
    readonly start?: number;
}

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-server-'));
    const dbPath = path.join(dir, 'coil.db');
    const store = SqliteStore.open(dbPath);
    const clock = new TestClock(options.start ?? Date.parse('2027-01-04T08:00:00Z'));
    const app = await buildServer({ workflows: [], sweepIntervalMs: 0, ...options, store, clock });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address() as { port: number };
    const url = `http://127.0.0.1:${address.port}`;
    const directory = app.coil.directory;
    const hash = await hashPassword(PASSWORD);
    const server: TestServer = {
        url, app, store, directory, dbPath, clock,
        async addUser(user, roles, extra = {}) {
            directory.addUser({ user, name: extra.name ?? user, roles, qualifications: extra.qualifications ?? [] }, hash, 'test', clock.now());
        },
        async login(user) {
            const response = await request(url, 'POST', '/v1/sessions', { user, password: PASSWORD });
            if (response.status !== 201) throw new Error(`login of ${user} failed: ${response.status} ${JSON.stringify(response.body)}`);
            return new Client(url, (response.body as { token: string }).token, user);
        },
        eventCount() {
            return (store.connection.prepare('SELECT count(*) FROM events').pluck().get() as number);
        },
        async close() {
            await app.close();
            await store.close();
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
    return server;
}

export interface Response<T = unknown> {
    readonly status: number;
    readonly body: T;
    readonly headers: Headers;
}

/** One HTTP request with a JSON body (or a raw string), answered with the parsed body. */
export async function request(url: string, method: string, route: string, body?: unknown, token?: string, headers: Record<string, string> = {}): Promise<Response<any>> {
    const init: RequestInit = { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } };
    if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${url}${route}`, init);
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: response.status, body: parsed, headers: response.headers };
}

/** A signed-in user. */
export class Client {
    private signedBefore = false;
    constructor(readonly url: string, readonly token: string, readonly user: string) {}

    get(route: string) {
        return request(this.url, 'GET', route, undefined, this.token);
    }

    post(route: string, body: unknown) {
        return request(this.url, 'POST', route, body, this.token);
    }

    /** A signature for one command on one target: asks for a challenge, then signs it with the password. */
    async signature(subject: { batch: string | null; command: string; target: string | null }, meanings: readonly string[], password = PASSWORD) {
        const challenge = await this.post('/v1/signatures/challenges', { ...subject, meanings });
        if (challenge.status !== 201) throw new Error(`challenge refused: ${challenge.status} ${JSON.stringify(challenge.body)}`);
        const signature = { challenge: challenge.body.challenge as string, password, ...(this.signedBefore ? {} : { user: this.user }) };
        this.signedBefore = true;
        return signature;
    }

    /** A batch command, signed with `meanings` when there are any. */
    async command(batch: string, type: string, fields: Record<string, unknown>, options: { key: string; meanings?: readonly string[]; reason?: string | null; expectedVersion?: number }) {
        const target = targetOf(type, fields);
        const signature = options.meanings && options.meanings.length > 0 ? await this.signature({ batch, command: type, target }, options.meanings) : undefined;
        return this.post(`/v1/batches/${encodeURIComponent(batch)}/commands/${type}`, {
            ...fields, key: options.key, ...(options.reason != null ? { reason: options.reason } : {}),
            ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}), ...(signature ? { signature } : {}),
        });
    }

    /** Approves a definition for GMP batches (QA). */
    async approve(digest: string, meaning = 'Approved for GMP use') {
        const signature = await this.signature({ batch: null, command: 'approve-definition', target: digest }, [meaning]);
        return this.post(`/v1/definitions/${digest}/approvals`, { meaning, signature });
    }
}

/** The field a command's signature challenge names as its target, as the server's operations declare it. */
export function targetOf(type: string, fields: Record<string, unknown>): string | null {
    const field = COMMAND_OPERATIONS.find(op => op.type === type)?.target;
    return field ? ((fields[field] as string | null) ?? null) : null;
}

/** An event from the API back in the engine's form (times in ms), for the scenario runner's timeline. */
function eventOf(batch: string, command: string, e: any): RecordedEvent {
    return {
        batch, seq: e.seq, type: e.type, time: Date.parse(e.time), user: e.user, name: e.name, role: e.role, reason: e.reason, data: e.data, changes: e.changes,
        signatures: e.signatures.map((s: any) => ({ ...s, time: Date.parse(s.time) })), command, prev: e.prev, hash: e.hash,
    };
}

/**
 * Executes the plant's commands over HTTP as the cast's people: each actor becomes a user (added on
 * first sight, with the actor's roles and qualifications), signs in once, and signs with a challenge
 * and the password whenever the command carries meanings. (Timers are the runtime's own: the plant
 * fires them on the shared store, as another runtime node would.) Actors without a role (the cast's coordinator) get `fallbackRole`, since the server
 * lets nobody without a process role in.
 */
export function httpExecutor(server: TestServer, fallbackRole: string) {
    const clients = new Map<string, Client>();
    const clientOf = async (actor: Actor) => {
        let client = clients.get(actor.user);
        if (!client) {
            if (!server.directory.user(actor.user)) {
                await server.addUser(actor.user, actor.roles.length > 0 ? actor.roles.map(r => r.replace(/^role:/, '')) : [fallbackRole], {
                    name: actor.name, qualifications: (actor.qualifications ?? []).map(q => ({ id: q.id, expires: q.expires })),
                });
            }
            client = await server.login(actor.user);
            clients.set(actor.user, client);
        }
        return client;
    };
    return async (command: Command, digest: string): Promise<CommandOutcome> => {
        if (command.type === 'fire-timer') throw new Error('timers are the runtime\'s own: the plant fires them directly');
        const { type, batch, key, actor, reason, signatures, ...fields } = command as Command & Record<string, unknown>;
        const send = (client: Client) => type === 'start-batch'
            ? client.post('/v1/batches', { batch, identity: fields.identity, definition: digest, key, ...(reason ? { reason } : {}) })
            : client.command(batch, type, fields, { key, meanings: signatures ?? [], reason: reason ?? null });
        let client = await clientOf(actor);
        let response = await send(client).catch((error: Error) => ({ status: 0, body: { error: { code: /COIL-SV011/.test(error.message) ? 'COIL-SV011' : error.message } }, headers: new Headers() }));
        if (response.body?.error?.code === 'COIL-SV011') {
            // The session ran out on the virtual clock (a scenario spans days): sign in again, as a person would.
            clients.delete(actor.user);
            client = await clientOf(actor);
            response = await send(client);
        }
        const body = response.body;
        const scoped = `${client.user}/${key}`;
        if (response.status < 300) return { ok: true, batch, events: body.events.map((e: unknown) => eventOf(batch, scoped, e)), replayed: body.replayed };
        if (!body?.error) throw new Error(`unexpected answer ${response.status}: ${JSON.stringify(body)}`);
        return { ok: false, batch, code: body.error.code, reason: body.error.message, events: (body.events ?? []).map((e: unknown) => eventOf(batch, scoped, e)), replayed: body.replayed ?? false };
    };
}
