/**
 * The runtime server: the engine behind an HTTP JSON API (fastify). It authenticates users with
 * bearer sessions, authorises each operation (the definition's roles and qualifications, QA for
 * release and for deviations that block it), re-authenticates every e-signature against a one-time
 * challenge, validates every body against the schemas `/openapi.json` is made of, fires timers, and
 * exports batch records. A refused request writes nothing to the batch record.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import type { SignedWorkflow } from '@coil/compiler/ir';
import { REFUSALS } from '../engine/codes.js';
import type { Definition } from '../engine/definition.js';
import type { BatchState } from '../engine/state.js';
import type { Command, RecordedEvent } from '../engine/types.js';
import { batchStatus, nodeView, openDeviations } from '../engine/views.js';
import type { Clock } from '../clock.js';
import { Runtime, type CommandOutcome } from '../runtime.js';
import { describeEvent } from '../scenario/timeline.js';
import type { SqliteStore } from '../store/sqlite.js';
import { ConcurrencyError, DuplicateCommandError } from '../store/store.js';
import { HttpError, refusalStatus, type ServerErrorCode } from './codes.js';
import { actorOf, SqliteDirectory, tokenId, type Session, type SignatureSubject, type User } from './directory.js';
import { spendPasswordCheck, verifyPassword } from './passwords.js';
import { batchRecord, batchRecordHtml } from './record.js';
import {
    anyObject, approvalSchema, batchParams, challengeSchema, COMMAND_OPERATIONS, commandBodySchema, digestParams, errorSchema, loginSchema,
    startBatchSchema,
} from './schemas.js';

export interface ServerOptions {
    readonly store: SqliteStore;
    /** Compiled workflows to register at start (definitions already in the store stay available to their batches). */
    readonly workflows: readonly SignedWorkflow[];
    readonly clock: Clock;
    /** Roles that count as QA (by name); default: the release roles of the registered definitions. */
    readonly qaRoles?: readonly string[];
    /** Let batches start on unapproved definitions, marked as training batches. */
    readonly allowUnapproved?: boolean;
    /** How long a session lasts without being used (default 15 minutes); in use, it lasts up to 12 hours. */
    readonly sessionTtlMs?: number;
    /** How long a signing challenge stays usable (default 5 minutes). */
    readonly challengeTtlMs?: number;
    /** Failed logins or signatures of one account within the window before it is locked (default 5). */
    readonly maxFailures?: number;
    /** Failed attempts from one address within the window before it is locked (default 20). */
    readonly maxFailuresPerAddress?: number;
    /** The lockout window (default 15 minutes). */
    readonly lockoutMs?: number;
    /** Largest accepted body (default 64 KiB). */
    readonly bodyLimit?: number;
    /** How often due timers are swept (default 1 s; 0 for never, in tests that fire them by hand). */
    readonly sweepIntervalMs?: number;
    readonly logger?: FastifyServerOptions['logger'];
}

declare module 'fastify' {
    interface FastifyRequest {
        coilUser: User;
        coilSession: Session;
    }
}

type Access = 'public' | 'user' | 'qa';

const MINUTE = 60_000;
const MAX_SESSION = 12 * 60 * MINUTE;
const roleName = (r: string) => r.replace(/^role:/, '');

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
    const { store, clock } = options;
    const directory = new SqliteDirectory(store.connection);
    const runtime = new Runtime({ store, clock, node: `serve-${process.pid}` });
    const definitions = new Map<string, Definition>();
    for (const w of options.workflows) {
        const d = await runtime.load(w);
        definitions.set(d.digest, d);
    }
    for (const digest of await store.definitions()) if (!definitions.has(digest)) definitions.set(digest, await runtime.definition(digest));
    const sessionTtl = options.sessionTtlMs ?? 15 * MINUTE;
    const challengeTtl = options.challengeTtlMs ?? 5 * MINUTE;
    const lockout = options.lockoutMs ?? 15 * MINUTE;
    const maxFailures = options.maxFailures ?? 5;
    const maxFailuresPerAddress = options.maxFailuresPerAddress ?? 20;

    const qaRoles = new Set((options.qaRoles ?? [...definitions.values()].flatMap(d => (d.workflow.release ? [d.name(d.workflow.release.role)] : []))).map(roleName));
    /** Every role any registered definition names, and QA: holding none of them, a user may do nothing here. */
    const knownRoles = new Set([...qaRoles, ...[...definitions.values()].flatMap(d => [...d.roles.keys()].map(id => d.name(id)))]);
    const holds = (user: User, roles: Iterable<string>) => {
        const wanted = new Set([...roles].map(roleName));
        return user.roles.some(r => wanted.has(roleName(r)));
    };
    const requireAny = (user: User, roles: ReadonlySet<string>, what: string) => {
        if (!holds(user, roles)) throw new HttpError('COIL-SV020', `${what} needs ${roles.size === 1 ? 'the role' : 'one of the roles'} ${[...roles].sort().join(', ')}; ${user.name} (${user.user}) holds ${user.roles.length ? user.roles.join(', ') : 'no role'}`, { missingRoles: [...roles].sort() });
    };

    const app = Fastify({
        logger: options.logger ?? false,
        bodyLimit: options.bodyLimit ?? 64 * 1024,
        requestIdHeader: 'x-request-id',
        genReqId: () => randomUUID(),
        // Refused in onRequest instead, with the server's own error code.
        return503OnClosing: false,
        ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false, strict: false } },
        // Path parameters as long as the schemas allow (a batch id of up to 200 characters).
        routerOptions: { maxParamLength: 256 },
    });
    // JSON only: a text/plain body is the wrong media type, not a malformed request.
    app.removeContentTypeParser('text/plain');

    await app.register(swagger, {
        openapi: {
            openapi: '3.1.0',
            info: { title: 'Coil runtime API', version: '1', description: 'Executes compiled Coil workflows batch by batch, with users, e-signatures and a tamper-evident batch record. Errors: { "error": { "code", "message", "requestId" } }, codes in docs/server.md.' },
            components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A session token from POST /v1/sessions' } } },
            security: [{ bearer: [] }],
        },
    });

    let closing = false;
    app.addHook('preClose', async () => {
        closing = true;
    });
    app.addHook('onRequest', async (request, reply) => {
        reply.header('x-request-id', request.id);
        reply.header('cache-control', 'no-store');
        reply.header('x-content-type-options', 'nosniff');
        if (closing) {
            reply.header('connection', 'close');
            throw new HttpError('COIL-SV060', 'the server is shutting down: retry against another node or after the restart');
        }
        const access = (request.routeOptions.config as { access?: Access }).access ?? 'user';
        if (access === 'public') return;
        const header = request.headers.authorization;
        const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header) : null;
        if (!match) throw new HttpError('COIL-SV010', 'sign in first (POST /v1/sessions) and send the token as "Authorization: Bearer <token>"');
        const session = directory.session(tokenId(match[1]));
        const now = clock.now();
        if (!session) throw new HttpError('COIL-SV011', 'the token is not known: sign in again');
        if (session.revoked !== null) throw new HttpError('COIL-SV011', 'the session was signed out: sign in again');
        if (now >= session.expires) throw new HttpError('COIL-SV011', `the session expired at ${new Date(session.expires).toISOString()}: sign in again`);
        const user = directory.user(session.user);
        if (!user || user.disabled) throw new HttpError('COIL-SV011', 'the account is disabled');
        // An idle timeout: a session in use is extended (written at most once per half lifetime),
        // up to an absolute limit of 12 hours from sign-in.
        if (session.expires - now < sessionTtl / 2 && now + sessionTtl <= session.created + MAX_SESSION) directory.extendSession(session.id, now + sessionTtl);
        request.coilUser = user;
        request.coilSession = session;
        const summary = (request.routeOptions.schema as { summary?: string } | undefined)?.summary;
        requireAny(user, access === 'qa' ? qaRoles : knownRoles, summary ? `"${summary}"` : 'this operation');
    });

    // A connection kept alive would hold the shutdown until its keep-alive timeout: the answers to
    // requests in flight when the server begins to close say it closes.
    app.addHook('onSend', async (_request, reply) => {
        if (closing) reply.header('connection', 'close');
    });

    app.setErrorHandler((error: unknown, request, reply) => {
        const e = error as { validation?: unknown; validationContext?: string; code?: string; statusCode?: number; message: string };
        let code: ServerErrorCode | string;
        let status: number;
        let message = e.message;
        let extra: Record<string, unknown> = {};
        if (error instanceof HttpError) {
            ({ code, status, extra } = error);
        } else if (e.validation) {
            code = 'COIL-SV001';
            status = 400;
            message = `${e.validationContext ?? 'body'}: ${describeValidation(e.validation as AjvError[])}`;
        } else if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
            code = 'COIL-SV003';
            status = 413;
            message = `the body is larger than ${options.bodyLimit ?? 64 * 1024} bytes`;
        } else if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
            code = 'COIL-SV004';
            status = 415;
            message = 'send the body as application/json';
        } else if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (e.statusCode === 400 && error instanceof SyntaxError)) {
            code = 'COIL-SV002';
            status = 400;
            message = `the body is not valid JSON: ${e.message}`;
        } else if (error instanceof ConcurrencyError || error instanceof DuplicateCommandError) {
            code = 'COIL-SV051';
            status = 409;
        } else if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
            code = 'COIL-SV001';
            status = e.statusCode;
        } else {
            request.log.error({ err: error }, 'internal error');
            code = 'COIL-SV099';
            status = 500;
            message = 'internal error; the server log has the details under this request id';
        }
        void reply.status(status).send({ error: { code, message, requestId: request.id }, ...extra });
    });

    app.setNotFoundHandler((request, reply) => {
        void reply.status(404).send({ error: { code: 'COIL-SV005', message: `no route ${request.method} ${request.url.split('?')[0]}`, requestId: request.id } });
    });

    const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema, 429: errorSchema };
    const route = (access: Access, summary: string, operationId: string, tags: string[], schema: Record<string, unknown> = {}) => ({
        config: { access },
        schema: { summary, operationId, tags, ...(access === 'public' ? { security: [] } : {}), response: { ...errors, '2xx': anyObject }, ...schema },
    });
    const address = (request: FastifyRequest) => request.ip ?? null;

    // ---- Sessions -------------------------------------------------------------------------

    app.post('/v1/sessions', route('public', 'Sign in: returns a short-lived bearer token', 'signIn', ['sessions'], { body: loginSchema }), async (request, reply) => {
        const { user: id, password } = request.body as { user: string; password: string };
        const now = clock.now();
        await requireNotLocked(id, address(request), now);
        const user = directory.user(id);
        const hash = directory.passwordHash(id);
        const ok = user && hash && !user.disabled ? await verifyPassword(password, hash) : await spendPasswordCheck(password);
        if (!ok || !user) {
            directory.log({ time: now, type: 'login-failed', subject: id, actor: id, address: address(request), detail: { why: !user ? 'unknown user' : user.disabled ? 'account disabled' : 'wrong password' } });
            throw new HttpError('COIL-SV012', 'wrong user id or password');
        }
        const { token, session } = directory.openSession(user.user, now, sessionTtl, address(request));
        return reply.status(201).send({ token, expires: new Date(session.expires).toISOString(), user: publicUser(user) });
    });

    app.get('/v1/sessions/current', route('user', 'Who is signed in, and until when', 'currentSession', ['sessions']), async request => ({
        user: publicUser(request.coilUser), expires: new Date(request.coilSession.expires).toISOString(), signed: request.coilSession.signed,
    }));

    app.delete('/v1/sessions/current', route('user', 'Sign out: the token stops working at once', 'signOut', ['sessions']), async (request, reply) => {
        directory.closeSession(request.coilSession.id, request.coilUser.user, clock.now(), address(request));
        return reply.status(204).send();
    });

    async function requireNotLocked(user: string, from: string | null, now: number): Promise<void> {
        const since = now - lockout;
        if (directory.failuresOf(user, since) >= maxFailures || (from !== null && directory.failuresFrom(from, since) >= maxFailuresPerAddress)) {
            directory.log({ time: now, type: 'login-locked', subject: user, actor: user, address: from, detail: {} });
            throw new HttpError('COIL-SV013', `too many failed attempts: try again in ${Math.round(lockout / MINUTE)} minutes, or ask an administrator`);
        }
    }

    // ---- E-signatures ---------------------------------------------------------------------

    app.post('/v1/signatures/challenges', route('user', 'Ask to sign: a one-time challenge for one command on one record', 'createChallenge', ['signatures'], { body: challengeSchema }), async (request, reply) => {
        const body = request.body as { command: string; batch?: string | null; target?: string | null; meanings: string[] };
        const subject: SignatureSubject = { batch: body.batch ?? null, command: body.command, target: body.target ?? null };
        if (subject.command === 'approve-definition' ? subject.target === null : subject.batch === null) {
            throw new HttpError('COIL-SV001', subject.command === 'approve-definition' ? 'an approval challenge names the definition digest as its target' : 'a batch command challenge names its batch');
        }
        const challenge = directory.createChallenge(request.coilSession, subject, body.meanings, clock.now(), challengeTtl);
        return reply.status(201).send({
            challenge: challenge.challenge, expires: new Date(challenge.expires).toISOString(),
            manifest: { user: request.coilUser.user, name: request.coilUser.name, meanings: challenge.meanings, ...subject },
            bothComponents: !request.coilSession.signed,
        });
    });

    /** Checks a signature against its challenge and the password, uses the challenge, and returns the meanings signed. */
    async function signed(request: FastifyRequest, signature: { challenge: string; password: string; user?: string } | undefined, subject: SignatureSubject): Promise<string[]> {
        if (!signature) return [];
        const user = request.coilUser;
        const session = request.coilSession;
        const now = clock.now();
        const challenge = directory.challenge(signature.challenge);
        if (!challenge || challenge.used !== null || now >= challenge.expires) {
            throw new HttpError('COIL-SV030', !challenge ? 'no such signing challenge' : challenge.used !== null ? 'the signing challenge has been used already: a signature is made once' : 'the signing challenge has expired: ask for a new one');
        }
        if (challenge.user !== user.user || challenge.session !== session.id) throw new HttpError('COIL-SV032', 'the signing challenge was issued to another session');
        const same = challenge.subject.batch === subject.batch && challenge.subject.command === subject.command && challenge.subject.target === subject.target;
        if (!same) throw new HttpError('COIL-SV032', `the signing challenge was issued for ${describeSubject(challenge.subject)}, not ${describeSubject(subject)}`);
        if (!session.signed && signature.user === undefined) throw new HttpError('COIL-SV033', 'the first signature of a session needs your user id as well as your password (21 CFR 11.200)');
        await requireNotLocked(user.user, address(request), now);
        const ok = (signature.user === undefined || signature.user === user.user) && (await verifyPassword(signature.password, directory.passwordHash(user.user) ?? ''));
        if (!ok) {
            directory.log({ time: now, type: 'signature-failed', subject: user.user, actor: user.user, address: address(request), detail: { subject: challenge.subject } });
            throw new HttpError('COIL-SV031', 'the user id or password does not match: the signature is refused');
        }
        if (!directory.useChallenge(challenge.challenge, now)) throw new HttpError('COIL-SV030', 'the signing challenge has been used already: a signature is made once');
        if (!session.signed) directory.markSigned(session.id);
        return [...challenge.meanings];
    }

    // ---- Definitions ----------------------------------------------------------------------

    const approvalsOf = (digest: string) => directory.approvals(digest).map(a => ({ user: a.user, name: a.name, meaning: a.meaning, time: new Date(a.time).toISOString(), hash: a.hash }));
    const definitionSummary = (d: Definition) => {
        const p = d.workflow.process;
        const approvals = approvalsOf(d.digest);
        return { digest: d.digest, process: p.name, version: p.version, effective: p.effective ?? null, approved: approvals.length > 0, approvals };
    };
    const registered = (digest: string) => definitions.get(digest) ?? (() => { throw new HttpError('COIL-SV041', `no definition ${digest} is registered`); })();

    app.get('/v1/definitions', route('user', 'The registered definitions, with their approvals', 'listDefinitions', ['definitions']), async () => ({
        definitions: [...definitions.values()].map(definitionSummary),
    }));

    app.get('/v1/definitions/:digest', route('user', 'One definition: its summary and compiled workflow', 'getDefinition', ['definitions'], { params: digestParams }), async request => {
        const d = registered((request.params as { digest: string }).digest);
        return { ...definitionSummary(d), workflow: d.workflow };
    });

    app.post('/v1/definitions/:digest/approvals', route('qa', 'Approve a definition for GMP batches (QA e-signature)', 'approveDefinition', ['definitions'], { params: digestParams, body: approvalSchema }), async (request, reply) => {
        const digest = (request.params as { digest: string }).digest;
        const d = registered(digest);
        const body = request.body as { meaning?: string; signature: { challenge: string; password: string; user?: string } };
        const meaning = body.meaning ?? 'Approved for GMP use';
        const meanings = await signed(request, body.signature, { batch: null, command: 'approve-definition', target: digest });
        if (!meanings.includes(meaning)) throw new HttpError('COIL-SV032', `the signing challenge was issued for ${meanings.map(m => `"${m}"`).join(', ')}, not "${meaning}"`);
        if (directory.approvals(digest).some(a => a.user === request.coilUser.user && a.meaning === meaning)) throw new HttpError('COIL-SV042', `${request.coilUser.name} has already approved this definition "${meaning}"`);
        directory.approve({ digest, user: request.coilUser.user, name: request.coilUser.name, meaning, time: clock.now() }, address(request));
        return reply.status(201).send(definitionSummary(d));
    });

    // ---- Batches --------------------------------------------------------------------------

    async function batchOrThrow(batch: string): Promise<{ definition: Definition; state: BatchState }> {
        const found = await runtime.batch(batch);
        if (!found) throw new HttpError('COIL-SV050', `no batch ${batch}`);
        return found;
    }

    const batchSummary = (definition: Definition, s: BatchState) => ({
        batch: s.batch, identity: s.identity, definition: definition.digest, process: definition.workflow.process.name, version: definition.workflow.process.version,
        training: s.training, status: batchStatus(s), ended: s.ended, events: s.version, startedAt: new Date(s.startedAt).toISOString(),
        openDeviations: openDeviations(s).length,
    });

    app.get('/v1/batches', route('user', 'Every batch with its state', 'listBatches', ['batches']), async () => ({
        batches: await everyBatch((definition, s) => [batchSummary(definition, s)]),
    }));

    app.post('/v1/batches', route('user', 'Start a batch for one patient\'s identity, on an approved definition', 'startBatch', ['batches'], { body: startBatchSchema }), async (request, reply) => {
        const body = request.body as { batch: string; identity: string; definition: string; training?: boolean; key: string; reason?: string | null };
        const definition = registered(body.definition);
        const approved = directory.approvals(definition.digest).length > 0;
        if (!approved && !options.allowUnapproved) {
            throw new HttpError('COIL-SV040', `${definition.workflow.process.name} ${definition.workflow.process.version} (${definition.digest.slice(0, 19)}…) is not approved: QA approves it (POST /v1/definitions/{digest}/approvals), or the server runs with --allow-unapproved for training batches`);
        }
        requireAny(request.coilUser, new Set([...definition.roles.keys()].map(id => definition.name(id))), `starting a batch of ${definition.workflow.process.name}`);
        const command: Command = {
            type: 'start-batch', batch: body.batch, identity: body.identity, training: body.training === true || !approved,
            key: scopedKey(request.coilUser, body.key), actor: actorOf(request.coilUser), reason: body.reason ?? null,
        };
        return answer(request, reply, definition, await runtime.execute(command, definition.digest), 201);
    });

    app.get('/v1/batches/:batch', route('user', 'A batch: its state, and each step, transfer and the release as ready, running, blocked (and why) or done', 'getBatch', ['batches'], { params: batchParams }), async request => {
        const { definition, state } = await batchOrThrow((request.params as { batch: string }).batch);
        const now = clock.now();
        const activities = [...definition.nodes.keys()].filter(id => definition.steps.has(id) || definition.transfers.has(id) || id === 'release').map(id => ({ id, name: id === 'release' ? 'release' : definition.name(id), ...nodeView(definition, state, id, now) }));
        return { ...batchSummary(definition, state), activities };
    });

    app.get('/v1/batches/:batch/next', route('user', 'What is due next: the activities that can begin or are running, with the role each needs', 'whatIsNext', ['batches'], { params: batchParams }), async request => {
        const { definition, state } = await batchOrThrow((request.params as { batch: string }).batch);
        const now = clock.now();
        const due = [];
        for (const id of definition.nodes.keys()) {
            const step = definition.steps.get(id);
            const transfer = definition.transfers.get(id);
            if (!step && !transfer && id !== 'release') continue;
            const view = nodeView(definition, state, id, now);
            if (view.status !== 'ready' && view.status !== 'running') continue;
            const role = step?.performer ?? (transfer ? transfer.sender : definition.workflow.release?.role) ?? null;
            due.push({ id, name: id === 'release' ? 'release' : definition.name(id), status: view.status, role: role ? definition.name(role) : null });
        }
        const timers = timersOf(definition, state, now).slice(0, 3);
        return { batch: state.batch, status: batchStatus(state), due, timers };
    });

    const timersOf = (definition: Definition, s: BatchState, now: number) => Object.values(s.timers)
        .map(t => ({ batch: s.batch, key: t.key, timer: t.timer, name: definition.name(t.timer), kind: t.kind, startedAt: new Date(t.startedAt).toISOString(), due: new Date(t.due).toISOString(), overdue: t.due <= now }))
        .sort((a, b) => a.due.localeCompare(b.due));

    const deviationsOf = (definition: Definition, s: BatchState) => openDeviations(s).map(d => {
        const declared = definition.deviations.get(d.deviation);
        return {
            batch: s.batch, instance: d.instance, deviation: d.deviation, name: definition.name(d.deviation), severity: declared?.severity ?? null,
            blocksRelease: declared?.blocksRelease ?? true, raisedAt: new Date(d.raisedAt).toISOString(), trigger: d.trigger.kind,
            quarantines: d.quarantines.map(m => definition.name(m)), holdsBatch: d.holdsBatch, options: declared?.disposition?.options ?? ['continue'],
            dispositionBy: declared?.disposition ? definition.name(declared.disposition.role) : null,
        };
    });

    async function everyBatch<T>(pick: (definition: Definition, s: BatchState) => T[]): Promise<T[]> {
        const all: T[] = [];
        for (const row of await store.batches()) {
            const b = await runtime.batch(row.batch);
            if (b) all.push(...pick(b.definition, b.state));
        }
        return all;
    }

    app.get('/v1/timers', route('user', 'The running timers of every batch, soonest due first', 'listTimers', ['timers']), async () => {
        const now = clock.now();
        return { timers: (await everyBatch((d, s) => timersOf(d, s, now))).sort((a, b) => a.due.localeCompare(b.due)) };
    });

    app.get('/v1/batches/:batch/timers', route('user', 'A batch\'s running timers with their deadlines', 'batchTimers', ['timers'], { params: batchParams }), async request => {
        const { definition, state } = await batchOrThrow((request.params as { batch: string }).batch);
        return { timers: timersOf(definition, state, clock.now()) };
    });

    app.get('/v1/deviations', route('user', 'The open deviations of every batch', 'listDeviations', ['deviations']), async () => ({ deviations: await everyBatch(deviationsOf) }));

    app.get('/v1/batches/:batch/deviations', route('user', 'A batch\'s open deviations', 'batchDeviations', ['deviations'], { params: batchParams }), async request => {
        const { definition, state } = await batchOrThrow((request.params as { batch: string }).batch);
        return { deviations: deviationsOf(definition, state) };
    });

    app.get('/v1/batches/:batch/audit-trail', route('user', 'A batch\'s audit trail: every event with who, what, when, old and new values and why, its signatures, and the hash chain\'s verification', 'auditTrail', ['records'], { params: batchParams }), async request => {
        const batch = (request.params as { batch: string }).batch;
        const { definition } = await batchOrThrow(batch);
        const [events, signatures, issues] = await Promise.all([store.events(batch), store.signatures(batch), runtime.verify(batch)]);
        return {
            batch, verified: issues.length === 0, issues,
            events: events.map(e => ({ ...eventView(definition, e) })),
            signatures: signatures.map(s => ({ ...s, time: new Date(s.time).toISOString() })),
        };
    });

    async function recordInput(request: FastifyRequest) {
        const batch = (request.params as { batch: string }).batch;
        const { definition, state } = await batchOrThrow(batch);
        const [events, signatures, issues, row] = await Promise.all([store.events(batch), store.signatures(batch), runtime.verify(batch), store.batch(batch)]);
        return { definition, state, events, signatures, issues, row: row!, exportedAt: clock.now(), exportedBy: { user: request.coilUser.user, name: request.coilUser.name } };
    }

    app.get('/v1/batches/:batch/record', route('user', 'The batch record as JSON', 'exportRecordJson', ['records'], { params: batchParams }), async request => batchRecord(await recordInput(request)));

    app.get('/v1/batches/:batch/record.html', route('user', 'The batch record as one self-contained HTML document', 'exportRecordHtml', ['records'], { params: batchParams, response: { ...errors, 200: { type: 'string', description: 'text/html' } } }), async (request, reply) => {
        const html = batchRecordHtml(await recordInput(request));
        return reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:").send(html);
    });

    // ---- Batch commands -------------------------------------------------------------------

    for (const op of COMMAND_OPERATIONS) {
        app.post(`/v1/batches/:batch/commands/${op.type}`, route(op.qa === 'always' ? 'qa' : 'user', op.summary, op.operationId, ['commands'], { params: batchParams, body: commandBodySchema(op) }), async (request, reply) => {
            const batch = (request.params as { batch: string }).batch;
            const body = request.body as Record<string, unknown> & { key: string; reason?: string | null; expectedVersion?: number; signature?: { challenge: string; password: string; user?: string } };
            const user = request.coilUser;
            const { definition, state } = await batchOrThrow(batch);
            requireAny(user, new Set([...qaRoles, ...[...definition.roles.keys()].map(id => definition.name(id))]), `${op.summary.toLowerCase()} on ${batch}`);
            if (op.qa === 'blocking-deviation') {
                // A deviation is named by its id or by one of its instances (`deviation:LowYield#2`).
                const declared = definition.deviations.get(String(body.deviation).split('#')[0]);
                // What stands between the batch and its release is QA's to decide; after the release (a
                // deviation at infusion, say), the role the process names decides (a physician).
                if (declared?.blocksRelease && state.outcome !== 'released') requireAny(user, qaRoles, `dispositioning ${declared.name}, which blocks release,`);
            }
            const key = scopedKey(user, body.key);
            const fields: Record<string, unknown> = {};
            for (const f of Object.keys(op.fields)) fields[f] = body[f];
            const subject: SignatureSubject = { batch, command: op.type, target: op.target ? (fields[op.target] as string | null) : null };
            // A retry of a signed command already recorded gets its outcome (from the runtime) without its
            // used challenge being looked at again; an unsigned one leaves the look-up to the runtime alone.
            const retried = body.signature !== undefined && (await store.outcome(key)) !== null;
            const meanings = retried ? [] : await signed(request, body.signature, subject);
            const command = { ...fields, type: op.type, batch, key, actor: actorOf(user), reason: body.reason ?? null, signatures: meanings } as Command;
            return answer(request, reply, definition, await runtime.execute(command, undefined, { expectedVersion: body.expectedVersion }), 200);
        });
    }

    function answer(request: FastifyRequest, reply: FastifyReply, definition: Definition, outcome: CommandOutcome, okStatus: number) {
        const events = outcome.events.map(e => eventView(definition, e));
        request.log.info({ batch: outcome.batch, ok: outcome.ok, code: outcome.ok ? null : outcome.code, events: events.length, replayed: outcome.replayed }, 'command');
        if (outcome.ok) return reply.status(okStatus).send({ ok: true, batch: outcome.batch, replayed: outcome.replayed, version: events.at(-1)?.seq ?? null, events });
        const code = outcome.code;
        return reply.status(refusalStatus(code)).send({
            error: { code, message: outcome.reason, requestId: request.id, title: REFUSALS[code as keyof typeof REFUSALS] ?? null },
            replayed: outcome.replayed, events,
        });
    }

    // ---- Service --------------------------------------------------------------------------

    app.get('/v1/health', route('public', 'Liveness and the store\'s schema version', 'health', ['service']), async () => ({ ok: true, store: store.kind, schemaVersion: await store.schemaVersion(), definitions: definitions.size }));

    app.get('/openapi.json', { ...route('public', 'This API\'s OpenAPI document', 'openapi', ['service']), schema: { hide: true } }, async () => app.swagger());

    // Timers: swept now (an overdue timer fires on restart, with its due time) and then every interval.
    let sweeping: Promise<unknown> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const sweep = () => {
        sweeping = sweeping.then(() => runtime.sweep()).catch(error => app.log.error({ err: error }, 'timer sweep failed'));
        return sweeping;
    };
    app.addHook('onReady', async () => {
        await sweep();
        if ((options.sweepIntervalMs ?? 1000) > 0) timer = setInterval(() => void sweep(), options.sweepIntervalMs ?? 1000);
    });
    app.addHook('onClose', async () => {
        if (timer) clearInterval(timer);
        await sweeping;
    });
    app.decorate('coil', { runtime, directory, sweep });
    return app;
}

declare module 'fastify' {
    interface FastifyInstance {
        coil: { runtime: Runtime; directory: SqliteDirectory; sweep(): Promise<unknown> };
    }
}

/** Idempotency keys are per user: one user's key can never replay another's command. */
const scopedKey = (user: User, key: string) => `${user.user}/${key}`;

const publicUser = (u: User) => ({ user: u.user, name: u.name, roles: u.roles, qualifications: u.qualifications });

function eventView(definition: Definition, e: RecordedEvent) {
    return {
        seq: e.seq, type: e.type, time: new Date(e.time).toISOString(), user: e.user, name: e.name, role: e.role, reason: e.reason,
        description: describeEvent(definition, e), changes: e.changes, data: e.data,
        signatures: e.signatures.map(s => ({ ...s, time: new Date(s.time).toISOString() })), prev: e.prev, hash: e.hash,
    };
}

function describeSubject(s: SignatureSubject): string {
    return s.command === 'approve-definition' ? `approving ${s.target}` : `${s.command}${s.target ? ` of ${s.target}` : ''} on batch ${s.batch}`;
}

interface AjvError {
    readonly instancePath: string;
    readonly keyword: string;
    readonly message?: string;
    readonly params: Record<string, unknown>;
}

/** The first validation error, in words: which field, and what is wrong with it. */
function describeValidation(errors: readonly AjvError[]): string {
    const e = errors[0];
    const at = e.instancePath ? `"${e.instancePath.slice(1).replaceAll('/', '.')}"` : 'the body';
    if (e.keyword === 'additionalProperties') return `unknown field "${String(e.params.additionalProperty)}"${e.instancePath ? ` in ${at}` : ''}`;
    if (e.keyword === 'required') return `missing field "${String(e.params.missingProperty)}"${e.instancePath ? ` in ${at}` : ''}`;
    return `${at} ${e.message ?? 'is not valid'}`;
}

