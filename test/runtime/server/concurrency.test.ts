/**
 * The runtime server under concurrent load, over real HTTP on loopback with the SQLite store:
 * 50 signed-in users fire commands at the same few batches at once, and afterwards the store must
 * hold every acknowledged command's events exactly as acknowledged (same seq, same hash), none
 * twice, none from a refused attempt, gapless and hash-chained per batch, in the order each client
 * was answered; and `coil verify` must find the store intact.
 *
 * The batches are brought to a running step (the flagship's Collect) whose parameter values may be
 * recorded and corrected again and again (every command carries a reason, which a correction
 * needs), and whose identity may be scanned again and again: so every command is legitimately
 * accepted, one event each, and the only refusals are the conflicts the test provokes. The clients
 * mix plain commands, commands with an `expectedVersion` read from the batch (a 409 COIL-RT034 when
 * another command got in first: re-read and retry until it wins, with the same idempotency key or a
 * fresh one), and deliberate retries of one idempotency key, concurrently with the original and
 * after it, which must answer the first outcome with `replayed: true` and write nothing.
 *
 * A second case runs two server instances on one SQLite file (two ports, two runtimes with their
 * own caches): their optimistic concurrency goes through the store's version check, as two
 * processes' would.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrencyError, DuplicateCommandError, REFUSALS, scenarioEpoch, SqliteStore, verifyBatch, type Commit, type RecordedEvent } from '@coil/runtime';
import { buildServer } from '@coil/runtime/server';
import type { FastifyInstance } from 'fastify';
import { coil } from '../../cli/run-coil.js';
import { Client, goldenWorkflow, startServer, type Response, type TestServer } from './harness.js';

const flagship = goldenWorkflow('AutologousFresh');
const IDENTITY = 'W1234 26 123456 7';
const NURSE_QUALIFICATIONS = [{ id: 'qualification:GMPBasics', expires: null }, { id: 'qualification:ApheresisCertified', expires: null }];
/** How often a client re-reads and retries a command with an expected version before the test gives up on it. */
const MAX_TRIES = 400;

// ---- What the clients saw ---------------------------------------------------------------------

/** An event as the API answered it. */
interface SeenEvent {
    readonly seq: number;
    readonly hash: string;
    readonly prev: string;
    readonly type: string;
    readonly user: string;
    readonly data: unknown;
}

type Style = 'plain' | 'expected-same-key' | 'expected-new-key' | 'retried';

/** A 2xx answer to a command. */
interface Ack {
    readonly client: string;
    readonly batch: string;
    /** The idempotency key as the store holds it: `user/key`. */
    readonly key: string;
    readonly style: Style | 'setup';
    readonly replayed: boolean;
    readonly version: number | null;
    readonly events: readonly SeenEvent[];
    /** The client's own count of answers so far: its acknowledgements in the order it got them. */
    readonly order: number;
}

/** A 409 answer (a conflict on the expected version, or the batch kept changing). */
interface Conflict {
    readonly client: string;
    readonly batch: string;
    readonly key: string;
    readonly code: string;
    /** The key was used again until the command won; otherwise it was abandoned for a fresh one. */
    readonly keyReused: boolean;
}

class Ledger {
    readonly acks: Ack[] = [];
    readonly conflicts: Conflict[] = [];
    private readonly counters = new Map<string, number>();
    requests = 0;
    commands = 0;
    retries = 0;

    next(client: string): number {
        const n = (this.counters.get(client) ?? 0) + 1;
        this.counters.set(client, n);
        return n;
    }

    ack(client: string, batch: string, key: string, style: Ack['style'], response: Response<any>, order: number): Ack {
        expect(response.status, `${key}: ${JSON.stringify(response.body)}`).toBeLessThan(300);
        expect(response.body.ok).toBe(true);
        const events = (response.body.events as any[]).map(e => ({ seq: e.seq, hash: e.hash, prev: e.prev, type: e.type, user: e.user, data: e.data }));
        expect(events.length, `${key} answered without events`).toBeGreaterThan(0);
        expect(response.body.version).toBe(events.at(-1)!.seq);
        const ack: Ack = { client, batch, key, style, replayed: response.body.replayed === true, version: response.body.version, events, order };
        this.acks.push(ack);
        return ack;
    }

    conflict(client: string, batch: string, key: string, response: Response<any>, keyReused: boolean): void {
        expect(response.status, `${key}: ${JSON.stringify(response.body)}`).toBe(409);
        const code = response.body.error?.code as string;
        // COIL-RT034: the batch moved past the expected version. COIL-SV051: it kept changing under a plain command.
        expect(['COIL-RT034', 'COIL-SV051']).toContain(code);
        // A conflict records nothing and is not a replay.
        if (code === 'COIL-RT034') {
            expect(response.body.events).toEqual([]);
            expect(response.body.replayed).toBe(false);
        }
        this.conflicts.push({ client, batch, key, code, keyReused });
    }

    figures() {
        const originals = this.acks.filter(a => !a.replayed && a.style !== 'setup');
        return {
            requests: this.requests,
            commands: this.commands,
            accepted: originals.length,
            conflicts409: this.conflicts.length,
            rt034: this.conflicts.filter(c => c.code === 'COIL-RT034').length,
            sv051: this.conflicts.filter(c => c.code === 'COIL-SV051').length,
            replays: this.acks.filter(a => a.replayed).length,
            retriesAfterConflict: this.retries,
        };
    }
}

// ---- The clients ------------------------------------------------------------------------------

/** The command a client sends in a round: a value recorded (or corrected) at the running Collect, or a scan there. One event each. */
function commandFor(client: number, round: number): { type: string; fields: Record<string, unknown>; expect: (e: SeenEvent) => void } {
    switch ((client + round) % 4) {
        case 0: {
            const mL = 100 + ((client * 37 + round * 11) % 300);
            return {
                type: 'record-value', fields: { parameter: 'parameter:Collect.volume', value: { kind: 'quantity', value: mL, unit: 'mL' } },
                expect: e => expect(e).toMatchObject({ type: 'value-recorded', data: { parameter: 'parameter:Collect.volume', inRange: true } }),
            };
        }
        case 1: {
            const cells = 1e9 + client * 1e7 + round;
            return {
                type: 'record-value', fields: { parameter: 'parameter:Collect.cd3_cells', value: { kind: 'quantity', value: cells, unit: '{cells}' } },
                expect: e => expect(e).toMatchObject({ type: 'value-recorded', data: { parameter: 'parameter:Collect.cd3_cells', inRange: true, value: { value: cells } } }),
            };
        }
        case 2: {
            const datetime = `2026-12-01T${String(8 + (client % 10)).padStart(2, '0')}:${String(round % 60).padStart(2, '0')}:00Z`;
            return {
                type: 'record-value', fields: { parameter: 'parameter:Collect.collected_at', value: { kind: 'datetime', datetime } },
                expect: e => expect(e).toMatchObject({ type: 'value-recorded', data: { parameter: 'parameter:Collect.collected_at', value: { datetime } } }),
            };
        }
        default:
            return {
                type: 'scan', fields: { identity: IDENTITY, target: 'step:Collect' },
                expect: e => expect(e).toMatchObject({ type: 'identity-verified', data: { target: 'step:Collect', point: 'step' } }),
            };
    }
}

const pause = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Runs every client to its end (a failing client does not leave the others running past the test), then fails with the first failure. */
async function together(work: ReadonlyArray<Promise<void>>): Promise<void> {
    const settled = await Promise.allSettled(work);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
}
const batchPath = (batch: string) => `/v1/batches/${encodeURIComponent(batch)}`;

interface Plan {
    readonly index: number;
    readonly user: string;
    /** The client for the n-th request of a command (two servers: alternate between them). */
    readonly via: (n: number) => Client;
    readonly batches: readonly string[];
    readonly rounds: number;
}

/**
 * One client's work: `rounds` commands, one after another (each answered before the next), at the
 * batches in turn, in the style the round gives: plain; with an expected version (retried until it
 * wins, with the same key or a fresh key per attempt, and then repeated once more with the original
 * body, which must be a replay rather than a conflict); or sent twice at once and once more after.
 */
async function runClient(plan: Plan, ledger: Ledger): Promise<void> {
    const { index, user } = plan;
    let n = 0;
    const client = () => plan.via(n++);
    for (let round = 0; round < plan.rounds; round++) {
        const batch = plan.batches[(index + round * 3) % plan.batches.length];
        const style: Style = (['plain', 'plain', 'expected-same-key', 'expected-new-key', 'retried'] as const)[(index + round) % 5];
        const { type, fields, expect: check } = commandFor(index, round);
        const reason = `concurrency test: ${user} round ${round}`;
        const base = `c${index}-r${round}`;
        const scoped = (key: string) => `${user}/${key}`;
        ledger.commands++;
        if (style === 'plain') {
            for (let attempt = 1; ; attempt++) {
                ledger.requests++;
                const r = await client().command(batch, type, fields, { key: base, reason });
                if (r.status === 409 && r.body.error?.code === 'COIL-SV051' && attempt < MAX_TRIES) {
                    // The batch kept changing under the command (only across runtimes): retry, same key.
                    ledger.conflict(user, batch, scoped(base), r, true);
                    ledger.retries++;
                    continue;
                }
                const ack = ledger.ack(user, batch, scoped(base), style, r, ledger.next(user));
                expect(ack.replayed).toBe(false);
                expect(ack.events).toHaveLength(1);
                check(ack.events[0]);
                break;
            }
        } else if (style === 'expected-same-key' || style === 'expected-new-key') {
            let won: { key: string; expectedVersion: number; ack: Ack } | undefined;
            for (let attempt = 1; attempt <= MAX_TRIES && !won; attempt++) {
                ledger.requests += 2;
                const view = await client().get(batchPath(batch));
                expect(view.status).toBe(200);
                const expectedVersion = view.body.events as number;
                const key = style === 'expected-same-key' ? base : `${base}-a${attempt}`;
                const r = await client().command(batch, type, fields, { key, reason, expectedVersion });
                if (r.status === 409) {
                    ledger.conflict(user, batch, scoped(key), r, style === 'expected-same-key');
                    ledger.retries++;
                    if (attempt % 4 === 0) await pause(Math.random() * 3);
                    continue;
                }
                const ack = ledger.ack(user, batch, scoped(key), style, r, ledger.next(user));
                expect(ack.replayed).toBe(false);
                expect(ack.events).toHaveLength(1);
                // It won on the version it decided on: its event comes right after it.
                expect(ack.events[0].seq).toBe(expectedVersion + 1);
                check(ack.events[0]);
                won = { key, expectedVersion, ack };
            }
            expect(won, `${user} never got ${base} through in ${MAX_TRIES} tries`).toBeDefined();
            // The same request again, with its now stale expected version: the first outcome, not a conflict.
            ledger.requests++;
            const again = await client().command(batch, type, fields, { key: won!.key, reason, expectedVersion: won!.expectedVersion });
            const replay = ledger.ack(user, batch, scoped(won!.key), style, again, ledger.next(user));
            expect(replay.replayed).toBe(true);
            expect(replay.events).toEqual(won!.ack.events);
        } else {
            // The same key twice at once (a client that timed out and resent), then once more after.
            ledger.requests += 3;
            const [a, b] = await Promise.all([client().command(batch, type, fields, { key: base, reason }), client().command(batch, type, fields, { key: base, reason })]);
            const order = ledger.next(user);
            const first = ledger.ack(user, batch, scoped(base), style, a, order);
            const second = ledger.ack(user, batch, scoped(base), style, b, order);
            expect([first.replayed, second.replayed].sort(), 'exactly one of two concurrent sends is recorded').toEqual([false, true]);
            expect(second.events).toEqual(first.events);
            expect(first.events).toHaveLength(1);
            check(first.events[0]);
            const later = ledger.ack(user, batch, scoped(base), style, await client().command(batch, type, fields, { key: base, reason }), ledger.next(user));
            expect(later.replayed).toBe(true);
            expect(later.events).toEqual(first.events);
        }
    }
}

// ---- Setting up -------------------------------------------------------------------------------

async function addNurses(server: TestServer, count: number, prefix: string): Promise<string[]> {
    const users = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
    for (const user of users) await server.addUser(user, ['ApheresisNurse'], { name: `Nurse ${user}`, qualifications: NURSE_QUALIFICATIONS });
    return users;
}

/** Starts each batch and its Collect step, recording both answers in the ledger. */
async function startBatches(client: Client, batches: readonly string[], ledger: Ledger): Promise<void> {
    for (const batch of batches) {
        const started = await client.post('/v1/batches', { batch, identity: IDENTITY, definition: flagship.digest, key: `start-${batch}` });
        expect(started.status, JSON.stringify(started.body)).toBe(201);
        ledger.ack(client.user, batch, `${client.user}/start-${batch}`, 'setup', started, ledger.next(client.user));
        expect(started.body.events[0]).toMatchObject({ seq: 1, type: 'batch-started' });
        const step = await client.command(batch, 'start-step', { step: 'step:Collect' }, { key: `collect-${batch}` });
        ledger.ack(client.user, batch, `${client.user}/collect-${batch}`, 'setup', step, ledger.next(client.user));
        expect(step.body.events.map((e: SeenEvent) => e.type)).toContain('step-started');
        const view = await client.get(batchPath(batch));
        expect(view.body).toMatchObject({ status: 'in_progress', training: false, events: step.body.version });
    }
}

// ---- The accounting ---------------------------------------------------------------------------

/**
 * What the store must hold after the storm, from the ledger alone: every acknowledged command's
 * events exactly as answered, once; nothing else; gapless, chained and verified per batch; each
 * client's acknowledgements in increasing order; and no trace of a conflict.
 */
async function account(store: SqliteStore, batches: readonly string[], ledger: Ledger): Promise<{ events: number }> {
    const stored = new Map<string, RecordedEvent[]>();
    for (const batch of batches) {
        const events = await store.events(batch);
        stored.set(batch, events);
        // Gapless 1..n, each chained to the one before, and the batch row at the last.
        expect(events.map(e => e.seq)).toEqual(events.map((_, i) => i + 1));
        for (let i = 1; i < events.length; i++) expect(events[i].prev).toBe(events[i - 1].hash);
        const row = await store.batch(batch);
        expect(row).toMatchObject({ version: events.length, head: events.at(-1)!.hash });
        expect(verifyBatch(batch, events, await store.signatures(batch), row)).toEqual([]);
    }
    const all = [...stored.values()].flat();

    // The events of each command key, as stored.
    const byKey = new Map<string, RecordedEvent[]>();
    for (const e of all) {
        expect(e.command, `event ${e.batch}#${e.seq} has no command key`).toEqual(expect.any(String));
        byKey.set(e.command!, [...(byKey.get(e.command!) ?? []), e]);
    }

    // Every acknowledged command's events exist exactly as acknowledged, and a replay answers the same events.
    const acked = new Map<string, Ack>();
    for (const ack of ledger.acks) {
        const events = byKey.get(ack.key) ?? [];
        expect(events.map(e => ({ seq: e.seq, hash: e.hash, prev: e.prev, type: e.type, user: e.user, data: e.data })), `stored events of ${ack.key}`).toEqual(ack.events);
        for (const e of events) expect(e.batch).toBe(ack.batch);
        const first = acked.get(ack.key);
        if (first) expect(ack.events).toEqual(first.events);
        else acked.set(ack.key, ack);
        if (ack.style !== 'setup') expect(ack.events[0].user).toBe(ack.client);
    }
    // Each key was recorded once: one original answer (replayed: false) per key.
    for (const key of acked.keys()) expect(ledger.acks.filter(a => a.key === key && !a.replayed), key).toHaveLength(1);

    // Nothing but the acknowledged commands is stored: no lost, no duplicated, no phantom events.
    expect([...byKey.keys()].sort()).toEqual([...acked.keys()].sort());
    const expectedTotal = [...acked.values()].reduce((n, a) => n + a.events.length, 0);
    expect(all.length).toBe(expectedTotal);
    // No seq is answered to two commands.
    const seqs = [...acked.values()].flatMap(a => a.events.map(e => `${a.batch}#${e.seq}`));
    expect(new Set(seqs).size).toBe(seqs.length);
    // Every load-bearing command produced exactly one event: the total is the setup's plus one per accepted command.
    const setup = [...acked.values()].filter(a => a.style === 'setup');
    const accepted = [...acked.values()].filter(a => a.style !== 'setup');
    for (const a of accepted) expect(a.events, a.key).toHaveLength(1);
    expect(all.length).toBe(setup.reduce((n, a) => n + a.events.length, 0) + accepted.length);

    // The idempotency records: one per accepted key, holding the seqs answered.
    const commandRows = store.connection.prepare('SELECT count(*) FROM commands').pluck().get() as number;
    expect(commandRows).toBe(acked.size);
    for (const [key, ack] of acked) {
        expect(await store.outcome(key), key).toMatchObject({ batch: ack.batch, ok: true, seqs: [ack.events[0].seq, ack.events.at(-1)!.seq] });
    }

    // Every 409 wrote nothing: a key abandoned after a conflict has no event and no record; a key
    // retried until it won holds only the winning attempt's event (checked above).
    for (const c of ledger.conflicts) {
        if (c.keyReused) {
            expect(acked.has(c.key), `${c.key} was retried until it won`).toBe(true);
        } else {
            expect(byKey.has(c.key), `${c.key} got a 409 but has events`).toBe(false);
            expect(await store.outcome(c.key), `${c.key} got a 409 but has an idempotency record`).toBeNull();
        }
    }

    // No out-of-order: a client's acknowledgements on a batch have increasing seqs in the order it got them.
    const originals = ledger.acks.filter(a => !a.replayed);
    for (const client of new Set(originals.map(a => a.client))) {
        for (const batch of batches) {
            const mine = originals.filter(a => a.client === client && a.batch === batch).sort((x, y) => x.order - y.order);
            for (let i = 1; i < mine.length; i++) {
                expect(mine[i].order, `${client} on ${batch}`).toBeGreaterThan(mine[i - 1].order);
                expect(mine[i].events[0].seq, `${client} on ${batch}: ${mine[i].key} after ${mine[i - 1].key}`).toBeGreaterThan(mine[i - 1].events.at(-1)!.seq);
            }
        }
    }
    return { events: all.length };
}

/** `coil verify --db` on the store's file: exit 0, every batch ticked, and intact. */
function verifyWithCli(dbPath: string, batches: readonly string[], events: number): void {
    const run = coil(['verify', '--db', dbPath]);
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    for (const batch of batches) expect(run.stdout).toMatch(new RegExp(`✓ ${batch}: \\d+ events, 0 signatures`));
    expect(run.stdout).toContain(`${dbPath}: intact (${batches.length} batches, ${events} events)`);
}

// ---- The cases --------------------------------------------------------------------------------

describe('50 clients firing commands at the same batches over HTTP', () => {
    const BATCHES = ['CONC-1', 'CONC-2', 'CONC-3', 'CONC-4', 'CONC-5'];
    const CLIENTS = 50;
    const ROUNDS = 6;
    const ledger = new Ledger();
    let server: TestServer;
    let clients: Client[];
    let closed = false;
    let total = 0;

    beforeAll(async () => {
        server = await startServer({ workflows: [flagship], start: scenarioEpoch(flagship) });
        await server.addUser('qa.approver', ['QAReviewer'], { name: 'QA Approver', qualifications: [{ id: 'qualification:GMPBasics', expires: null }, { id: 'qualification:QAReleaser', expires: null }] });
        const qa = await server.login('qa.approver');
        expect((await qa.approve(flagship.digest)).status).toBe(201);
        const users = await addNurses(server, CLIENTS, 'nurse-');
        // Each client its own user and session.
        clients = await Promise.all(users.map(u => server.login(u)));
        expect(new Set(clients.map(c => c.token)).size).toBe(CLIENTS);
        await startBatches(clients[0], BATCHES, ledger);
    });
    afterAll(async () => {
        if (!server) return;
        if (!closed) await server.close();
        else fs.rmSync(path.dirname(server.dbPath), { recursive: true, force: true });
    });

    it('serialises two commands on one batch by expected version: one wins, the other gets 409 and wins on a re-read', async () => {
        const [p, q] = [clients[1], clients[2]];
        const batch = BATCHES[0];
        const version = (await p.get(batchPath(batch))).body.events as number;
        const send = (c: Client, key: string, expectedVersion: number) => c.command(batch, 'scan', { identity: IDENTITY, target: 'step:Collect' }, { key, reason: 'race', expectedVersion });
        const before = server.eventCount();
        const [a, b] = await Promise.all([send(p, 'race-1', version), send(q, 'race-1', version)]);
        expect([a.status, b.status].sort()).toEqual([200, 409]);
        const [winner, loser, wonBy, lostBy] = a.status === 200 ? [a, b, p, q] : [b, a, q, p];
        expect(loser.body.error).toMatchObject({ code: 'COIL-RT034', requestId: expect.any(String) });
        expect(loser.body.error.message).toContain(`not ${version}`);
        expect(winner.body.events).toHaveLength(1);
        expect(winner.body.events[0].seq).toBe(version + 1);
        // The conflict wrote nothing.
        expect(server.eventCount()).toBe(before + 1);
        ledger.ack(wonBy.user, batch, `${wonBy.user}/race-1`, 'expected-same-key', winner, ledger.next(wonBy.user));
        ledger.conflict(lostBy.user, batch, `${lostBy.user}/race-1`, loser, true);
        // The loser re-reads and retries with the same key: it wins, right after the winner.
        const reread = (await lostBy.get(batchPath(batch))).body.events as number;
        expect(reread).toBe(version + 1);
        const retried = await send(lostBy, 'race-1', reread);
        expect(retried.status, JSON.stringify(retried.body)).toBe(200);
        expect(retried.body).toMatchObject({ ok: true, replayed: false, version: version + 2 });
        ledger.ack(lostBy.user, batch, `${lostBy.user}/race-1`, 'expected-same-key', retried, ledger.next(lostBy.user));
        // (Keys are per user: the loser's "race-1" was another command than the winner's, not a replay of it.)
        // The winner's request again, with its stale expected version: its first outcome, not a conflict.
        const replay = await send(wonBy, 'race-1', version);
        expect(replay.body).toMatchObject({ ok: true, replayed: true, version: version + 1 });
        expect(replay.body.events).toEqual(winner.body.events);
        ledger.ack(wonBy.user, batch, `${wonBy.user}/race-1`, 'expected-same-key', replay, ledger.next(wonBy.user));
        expect(server.eventCount()).toBe(before + 2);
    });

    it('names a conflict\'s refusal in the 409 body (error.title), as the server sends it', async () => {
        // runtime/src/server/app.ts answers a refusal with error.title (the REFUSALS text); the response
        // schema of the 4xx statuses must let it through.
        const c = clients[3];
        const stale = (await c.get(batchPath(BATCHES[1]))).body.events - 1;
        const refused = await c.command(BATCHES[1], 'scan', { identity: IDENTITY, target: 'step:Collect' }, { key: 'stale-title', reason: 'stale', expectedVersion: stale });
        expect(refused.status).toBe(409);
        ledger.conflict(c.user, BATCHES[1], `${c.user}/stale-title`, refused, false);
        expect(refused.body.error).toMatchObject({ code: 'COIL-RT034', title: REFUSALS['COIL-RT034'] });
    });

    it('loses, duplicates and reorders nothing when 50 clients fire at once', async () => {
        const started = Date.now();
        const conflictsBefore = ledger.conflicts.filter(c => c.code === 'COIL-RT034').length;
        // All at once: every client begins in the same tick, each on its own session and keep-alive connection.
        await together(clients.map((c, index) => runClient({ index, user: c.user, via: () => c, batches: BATCHES, rounds: ROUNDS }, ledger)));
        const figures = ledger.figures();
        console.log(`[concurrency] one server: ${CLIENTS} clients, ${BATCHES.length} batches, ${ROUNDS} commands each, in ${Date.now() - started} ms:`, figures);
        expect(figures.commands).toBe(CLIENTS * ROUNDS);
        expect(figures.accepted).toBe(CLIENTS * ROUNDS + 2);
        // The load did race: some decisions were overtaken and retried, and some sends were replays.
        expect(figures.rt034).toBeGreaterThan(conflictsBefore);
        // Per five commands: two plain, two with an expected version (each sent once more: a replay), one sent thrice (two replays); and the race's one.
        expect(figures.replays).toBe(CLIENTS * ROUNDS * 4 / 5 + 1);
        // One runtime serialises a batch's commands itself: no plain command is turned away.
        expect(figures.sv051).toBe(0);
        ({ events: total } = await account(server.store, BATCHES, ledger));
        expect(server.eventCount()).toBe(total);
        // The API agrees: each batch's audit trail verifies, and its version is its event count.
        for (const batch of BATCHES) {
            const trail = await clients[0].get(`${batchPath(batch)}/audit-trail`);
            expect(trail.body.verified).toBe(true);
            expect(trail.body.events).toHaveLength((await server.store.events(batch)).length);
            expect((await clients[0].get(batchPath(batch))).body.events).toBe(trail.body.events.length);
        }
    });

    it('leaves a store that `coil verify` finds intact', async () => {
        expect(total).toBeGreaterThan(CLIENTS * ROUNDS);
        await server.app.close();
        await server.store.close();
        closed = true;
        verifyWithCli(server.dbPath, BATCHES, total);
    });
});

describe('two server instances on one SQLite file', () => {
    const BATCHES = ['DUO-1', 'DUO-2'];
    const CLIENTS = 20;
    const ROUNDS = 5;
    const ledger = new Ledger();
    let server: TestServer;
    let second: { app: FastifyInstance; store: SqliteStore; url: string } | undefined;
    let closed = false;

    beforeAll(async () => {
        server = await startServer({ workflows: [flagship], start: scenarioEpoch(flagship) });
        const store = SqliteStore.open(server.dbPath);
        const app = await buildServer({ workflows: [flagship], sweepIntervalMs: 0, store, clock: server.clock });
        second = { app, store, url: '' };
        await app.listen({ port: 0, host: '127.0.0.1' });
        second.url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
        await server.addUser('qa.approver', ['QAReviewer'], { name: 'QA Approver' });
        expect((await (await server.login('qa.approver')).approve(flagship.digest)).status).toBe(201);
        await addNurses(server, CLIENTS, 'duo-');
    });
    afterAll(async () => {
        if (second && !closed) {
            await second.app.close();
            await second.store.close();
        }
        if (!server) return;
        if (!closed) await server.close();
        else fs.rmSync(path.dirname(server.dbPath), { recursive: true, force: true });
    });

    it('keeps one gapless chain per batch while two runtimes with their own caches write it', async () => {
        const users = Array.from({ length: CLIENTS }, (_, i) => `duo-${String(i).padStart(2, '0')}`);
        // Sessions live in the shared file: a session opened on one instance works on the other.
        const onFirst = await Promise.all(users.map(u => server.login(u)));
        const pairs = onFirst.map(c => [c, new Client(second!.url, c.token, c.user)] as const);
        await startBatches(pairs[0][1], BATCHES, ledger);
        expect((await pairs[0][0].get(batchPath(BATCHES[0]))).body.events).toBeGreaterThan(1);

        // Each commit reaches the store a little later (as over a network or a busy disk), so that the
        // other instance can write in between; and count the commits the store turns down for it.
        const turnedDown = { concurrency: 0, duplicate: 0 };
        for (const store of [server.store, second!.store]) {
            const commit = store.commit.bind(store);
            store.commit = async (c: Commit) => {
                await pause(Math.random() * 2);
                try {
                    return await commit(c);
                } catch (error) {
                    if (error instanceof ConcurrencyError) turnedDown.concurrency++;
                    if (error instanceof DuplicateCommandError) turnedDown.duplicate++;
                    throw error;
                }
            };
        }
        const started = Date.now();
        // Each client alternates between the instances request by request: it reads on one and writes on the other.
        await together(pairs.map((pair, index) => runClient({ index, user: pair[0].user, via: n => pair[(n + index) % 2], batches: BATCHES, rounds: ROUNDS }, ledger)));
        const figures = ledger.figures();
        console.log(`[concurrency] two servers: ${CLIENTS} clients, ${BATCHES.length} batches, ${ROUNDS} commands each, in ${Date.now() - started} ms:`, figures, 'commits turned down by the store:', turnedDown);
        // The instances did race through the store: a runtime decided on its stale cache, the store's version check turned it down, and it retried.
        expect(turnedDown.concurrency).toBeGreaterThan(0);
        expect(figures.accepted).toBe(CLIENTS * ROUNDS);
        expect(figures.replays).toBe(CLIENTS * ROUNDS * 4 / 5);
        expect(figures.rt034).toBeGreaterThan(0);
        const { events } = await account(server.store, BATCHES, ledger);
        expect(server.eventCount()).toBe(events);

        // Both instances see the same, final batch.
        for (const batch of BATCHES) {
            const [a, b] = await Promise.all([pairs[1][0].get(batchPath(batch)), pairs[1][1].get(batchPath(batch))]);
            expect(a.body.events).toBe((await server.store.events(batch)).length);
            expect(b.body.events).toBe(a.body.events);
        }

        await second!.app.close();
        await second!.store.close();
        await server.app.close();
        await server.store.close();
        closed = true;
        verifyWithCli(server.dbPath, BATCHES, events);
    });
});
