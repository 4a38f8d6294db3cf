/**
 * The one suite every Store passes (in-memory, SQLite, PostgreSQL): what the runtime relies on a
 * store for, checked through the interface only. Commits are built with `chain()`, so every hash
 * is real and what is read back must still verify; the last tests drive a real Runtime on the
 * golden AutologousFresh workflow.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SignedWorkflow } from '@coil/compiler/ir';
import {
    chain, ConcurrencyError, DuplicateCommandError, GENESIS, Runtime, verifyBatch, VirtualClock,
    type Actor, type Command, type CommandBody, type CommandOutcome, type Commit, type EventDraft, type Store, type StoredOutcome, type TimerRow,
} from '@coil/runtime';

/** The golden workflow the runtime tests run: effective from 2026-12-01, ISBT 128 identities. */
export const WORKFLOW: SignedWorkflow = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../compiler/golden/AutologousFresh.workflow.json'), 'utf8'));

/** A valid ISBT 128 donation identification number (with its check character). */
export const IDENTITY = 'W1234 26 000123 3';

/** A Monday after the workflow's effective date. */
export const T0 = Date.parse('2027-01-04T08:00:00Z');

const allQualifications = () => WORKFLOW.qualifications.map(q => ({ id: q.id, expires: null }));
export const NURSE: Actor = { user: 'nurse', name: 'N. Jones', roles: ['ApheresisNurse'], qualifications: allQualifications() };
export const OPERATOR: Actor = { user: 'operator', name: 'O. Smith', roles: ['Operator'], qualifications: allQualifications() };

/** The commands that take a new batch through step:Collect, ending signed "Collected by". */
export function collectCommands(now: number): CommandBody[] {
    return [
        { type: 'start-batch', identity: IDENTITY },
        { type: 'start-step', step: 'step:Collect' },
        { type: 'scan', identity: IDENTITY, target: 'step:Collect' },
        { type: 'record-value', parameter: 'parameter:Collect.volume', value: { kind: 'quantity', value: 250, unit: 'mL' } },
        { type: 'record-value', parameter: 'parameter:Collect.cd3_cells', value: { kind: 'quantity', value: 5e9, unit: '{cells}' } },
        { type: 'record-value', parameter: 'parameter:Collect.collected_at', value: { kind: 'datetime', datetime: new Date(now).toISOString() } },
        { type: 'complete-step', step: 'step:Collect' },
    ];
}

/** A command with its batch, key and actor; `complete-step` signed with what Collect requires. */
export function command(body: CommandBody, batch: string, key: string, actor: Actor = NURSE, extra: Partial<Command> = {}): Command {
    const signatures = body.type === 'complete-step' ? ['Collected by'] : undefined;
    return { ...body, batch, key, actor, ...(signatures ? { signatures } : {}), ...extra } as Command;
}

const DIGEST = `sha256:${'d'.repeat(64)}`;

function draft(type: string, data: Record<string, unknown>, meanings: readonly string[] = [], options: { role?: string | null; reason?: string | null; time?: number } = {}): EventDraft {
    const time = options.time ?? T0;
    return {
        type, time, user: 'nurse', name: 'N. Jones', role: options.role === undefined ? 'role:ApheresisNurse' : options.role, reason: options.reason ?? null,
        data, changes: [{ field: `${type}.status`, old: null, new: 'recorded' }],
        signatures: meanings.map(meaning => ({ user: 'nurse', name: 'N. Jones', meaning, time })),
    };
}

interface CommitOptions {
    readonly key?: string | null;
    /** The command key chained into the events (defaults to `key`). */
    readonly command?: string | null;
    readonly set?: readonly TimerRow[];
    readonly clear?: readonly string[];
    readonly status?: string;
    readonly time?: number;
    /** Chain and expect from this version (and head) instead of the store's current one. */
    readonly from?: { readonly version: number; readonly head: string };
}

/** A commit of `drafts` after the batch's current head, as the runtime would build it. */
async function build(store: Store, batch: string, drafts: readonly EventDraft[], options: CommitOptions = {}): Promise<Commit> {
    const row = await store.batch(batch);
    const from = options.from ?? { version: row?.version ?? 0, head: row?.head ?? GENESIS };
    const key = options.key === undefined ? `${batch}:${from.version + 1}` : options.key;
    const { events, signatures } = chain(batch, from.head, from.version, drafts, options.command === undefined ? key : options.command);
    const outcome: StoredOutcome = { batch, ok: true, code: null, reason: null, seqs: events.length ? [events[0].seq, events.at(-1)!.seq] : null };
    return {
        batch, definition: DIGEST, identity: `ID-${batch}`, expectedVersion: from.version, events, signatures,
        timers: { set: options.set ?? [], clear: options.clear ?? [] }, outcome: key === null ? null : { key, value: outcome },
        status: options.status ?? 'in_progress', time: options.time ?? T0,
    };
}

async function append(store: Store, batch: string, drafts: readonly EventDraft[], options: CommitOptions = {}): Promise<Commit> {
    const commit = await build(store, batch, drafts, options);
    await store.commit(commit);
    return commit;
}

/** Everything a store holds about these batches and keys, to show that a refused commit wrote nothing. */
async function snapshot(store: Store, batches: readonly string[], keys: readonly string[]) {
    return {
        all: await store.eventsAfter(0, 1_000_000),
        batches: await store.batches(),
        rows: await Promise.all(batches.map(b => store.batch(b))),
        events: await Promise.all(batches.map(b => store.events(b))),
        signatures: await Promise.all(batches.map(b => store.signatures(b))),
        timers: await store.timers(),
        outcomes: await Promise.all(keys.map(k => store.outcome(k))),
    };
}

async function expectVerified(store: Store, batch: string): Promise<void> {
    const row = await store.batch(batch);
    expect(row).not.toBeNull();
    expect(verifyBatch(batch, await store.events(batch), await store.signatures(batch), row)).toEqual([]);
}

/**
 * The store behind a little seeded latency before every call, as a networked database has: without
 * it, two runtimes in one process take turns so regularly that their commits never collide.
 */
function withLatency(store: Store, seed: number): { store: Store; conflicts: () => number } {
    let state = seed;
    let conflicts = 0;
    const hops = () => (state = (state * 48_271) % 2_147_483_647) % 4;
    const proxy = new Proxy(store, {
        get(target, property) {
            const value = Reflect.get(target, property) as unknown;
            if (typeof value !== 'function') return value;
            return async (...args: unknown[]) => {
                for (let i = hops(); i > 0; i--) await new Promise(resolve => setImmediate(resolve));
                try {
                    return await value.apply(target, args);
                } catch (error) {
                    if (error instanceof ConcurrencyError) conflicts++;
                    throw error;
                }
            };
        },
    });
    return { store: proxy, conflicts: () => conflicts };
}

const timer = (batch: string, key: string, due: number): TimerRow => ({ batch, key, timer: key.split('#')[0], due });

export function describeStoreConformance(name: string, open: () => Promise<Store>, reopen?: (store: Store) => Promise<Store>): void {
    describe(`${name} store conformance`, () => {
        let store: Store;

        beforeEach(async () => {
            store = await open();
            await store.putDefinition(DIGEST, '{"workflow":"test"}');
        });

        afterEach(async () => {
            await store.close();
        });

        describe('commit and read', () => {
            it('reads back exactly the events, signatures and batch row it was given, and they verify', async () => {
                const first = await append(store, 'b1', [
                    draft('batch-started', { identity: 'ÅBC-123 ✓', nested: { list: [1, 2.5, -3, 1e-7, 2 ** 53 - 1], empty: {}, none: null, yes: true }, text: 'quote " backslash \\ newline \n' }, [], { role: null }),
                    draft('step-completed', { step: 'step:Collect' }, ['Collected by', 'Reviewed'], { reason: 'a reason' }),
                ]);
                const second = await append(store, 'b1', [draft('decision-taken', { value: null }, [], { role: null, time: T0 + 1 })], { key: 'cascade', command: null, status: 'on_hold', time: T0 + 1 });
                const events = [...first.events, ...second.events];

                expect(await store.events('b1')).toStrictEqual(events);
                expect(await store.events('b1', 1)).toStrictEqual(events.slice(1));
                expect(await store.events('b1', 3)).toStrictEqual([]);
                expect((await store.events('b1')).map(e => [e.role, e.reason, e.command])).toEqual([[null, null, 'b1:1'], ['role:ApheresisNurse', 'a reason', 'b1:1'], [null, null, null]]);
                expect(await store.signatures('b1')).toStrictEqual(first.signatures);
                expect(first.signatures).toHaveLength(2);
                expect(await store.batch('b1')).toStrictEqual({
                    batch: 'b1', definition: DIGEST, identity: 'ID-b1', version: 3, head: events[2].hash, status: 'on_hold', updated: T0 + 1,
                });
                expect(await store.batches()).toHaveLength(1);
                expect(await store.batch('nothing')).toBeNull();
                expect(await store.events('nothing')).toEqual([]);
                expect(await store.signatures('nothing')).toEqual([]);
                await expectVerified(store, 'b1');
            });

            it('keeps every batch\'s events in one global commit order, paged by position', async () => {
                await append(store, 'b1', [draft('batch-started', {}), draft('step-started', {})]);
                await append(store, 'b2', [draft('batch-started', {})]);
                await append(store, 'b1', [draft('step-completed', {})]);
                await append(store, 'b2', [draft('step-started', {}), draft('step-completed', {})]);

                const all = await store.eventsAfter(0, 100);
                expect(all.map(e => `${e.batch}/${e.seq}`)).toEqual(['b1/1', 'b1/2', 'b2/1', 'b1/3', 'b2/2', 'b2/3']);
                for (let i = 1; i < all.length; i++) expect(all[i].position).toBeGreaterThan(all[i - 1].position);
                const byBatch = { b1: await store.events('b1'), b2: await store.events('b2') };
                for (const e of all) {
                    const { position: _, ...event } = e;
                    expect(event).toStrictEqual(byBatch[e.batch as 'b1' | 'b2'][e.seq - 1]);
                }

                const paged = [];
                for (let after = 0; ;) {
                    const page = await store.eventsAfter(after, 4);
                    if (page.length === 0) break;
                    expect(page.length).toBeLessThanOrEqual(4);
                    paged.push(...page);
                    after = page.at(-1)!.position;
                }
                expect(paged).toStrictEqual(all);
                expect(await store.eventsAfter(all[2].position, 2)).toStrictEqual(all.slice(3, 5));
                expect(await store.eventsAfter(all.at(-1)!.position, 10)).toEqual([]);
                await expectVerified(store, 'b1');
                await expectVerified(store, 'b2');
            });

            it('keeps outcomes under their idempotency keys', async () => {
                const commit = await append(store, 'b1', [draft('batch-started', {}), draft('step-started', {})], { key: 'start-b1' });
                const refusal = await build(store, 'b1', [draft('identity-mismatch', { scanned: 'X' })], { key: 'scan-b1' });
                const refused: Commit = { ...refusal, outcome: { key: 'scan-b1', value: { batch: 'b1', ok: false, code: 'COIL-RT015', reason: 'identity does not match', seqs: [3, 3] } } };
                await store.commit(refused);

                expect(await store.outcome('start-b1')).toStrictEqual(commit.outcome!.value);
                expect(await store.outcome('start-b1')).toStrictEqual({ batch: 'b1', ok: true, code: null, reason: null, seqs: [1, 2] });
                expect(await store.outcome('scan-b1')).toStrictEqual({ batch: 'b1', ok: false, code: 'COIL-RT015', reason: 'identity does not match', seqs: [3, 3] });
                expect(await store.outcome('never')).toBeNull();
            });

            it('records a commit without an outcome (a cascade the runtime issues itself)', async () => {
                await append(store, 'b1', [draft('batch-started', {})]);
                await append(store, 'b1', [draft('batch-ended', {})], { key: null, command: null, status: 'ended' });
                expect((await store.batch('b1'))?.version).toBe(2);
                expect((await store.batch('b1'))?.status).toBe('ended');
                expect(await store.outcome('b1:2')).toBeNull();
                await expectVerified(store, 'b1');
            });
        });

        describe('optimistic concurrency', () => {
            it('refuses a stale expectedVersion with ConcurrencyError and writes nothing', async () => {
                await append(store, 'b1', [draft('batch-started', {})], { set: [timer('b1', 'timer:a#1', T0 + 10)] });
                const stale = await build(store, 'b1', [draft('step-started', {})], { key: 'stale', set: [timer('b1', 'timer:b#1', T0 + 20)], clear: ['timer:a#1'] });
                await append(store, 'b1', [draft('step-started', {}), draft('value-recorded', {})], { key: 'winner' });
                const before = await snapshot(store, ['b1'], ['stale', 'winner']);

                const error = await store.commit(stale).then(() => null, (e: unknown) => e);
                expect(error).toBeInstanceOf(ConcurrencyError);
                expect(error).toMatchObject({ code: 'COIL-ST001', batch: 'b1', expected: 1, actual: 3 });
                // A commit that claims to be ahead of the batch is just as stale.
                const ahead = await build(store, 'b1', [draft('step-started', {})], { key: 'ahead', from: { version: 5, head: GENESIS } });
                await expect(store.commit(ahead)).rejects.toBeInstanceOf(ConcurrencyError);
                expect(await snapshot(store, ['b1'], ['stale', 'winner'])).toStrictEqual(before);
                expect(await store.outcome('ahead')).toBeNull();
                await expectVerified(store, 'b1');
            });

            it('refuses a second start of the same new batch (expectedVersion 0 twice)', async () => {
                const one = await build(store, 'b1', [draft('batch-started', { by: 'one' })], { key: 'one', set: [timer('b1', 'timer:one#1', T0)] });
                const two = await build(store, 'b1', [draft('batch-started', { by: 'two' })], { key: 'two', set: [timer('b1', 'timer:two#1', T0)] });
                await store.commit(one);
                const before = await snapshot(store, ['b1'], ['one', 'two']);
                const error = await store.commit(two).then(() => null, (e: unknown) => e);
                expect(error).toBeInstanceOf(ConcurrencyError);
                expect(error).toMatchObject({ code: 'COIL-ST001', expected: 0, actual: 1 });
                expect(await snapshot(store, ['b1'], ['one', 'two'])).toStrictEqual(before);
                expect((await store.events('b1')).map(e => e.data.by)).toEqual(['one']);
                expect(await store.timers('b1')).toEqual([timer('b1', 'timer:one#1', T0)]);
            });

            it('refuses a batch that does not exist yet when the commit expects a version', async () => {
                const orphan = await build(store, 'b9', [draft('step-started', {})], { from: { version: 2, head: GENESIS } });
                const error = await store.commit(orphan).then(() => null, (e: unknown) => e);
                expect(error).toBeInstanceOf(ConcurrencyError);
                expect(error).toMatchObject({ expected: 2, actual: null });
                expect(await store.batch('b9')).toBeNull();
                expect(await store.eventsAfter(0, 100)).toEqual([]);
            });

            it('refuses a duplicate idempotency key with DuplicateCommandError and writes nothing', async () => {
                const first = await append(store, 'b1', [draft('batch-started', {})], { key: 'k1' });
                const before = await snapshot(store, ['b1', 'b2'], ['k1']);
                // The same key on another batch, and on the same batch at the right version: both refused.
                const elsewhere = await build(store, 'b2', [draft('batch-started', {}, ['Started'])], { key: 'k1', set: [timer('b2', 'timer:x#1', T0)] });
                const again = await build(store, 'b1', [draft('step-started', {}, ['Started'])], { key: 'k1', set: [timer('b1', 'timer:y#1', T0)] });
                for (const commit of [elsewhere, again]) {
                    const error = await store.commit(commit).then(() => null, (e: unknown) => e);
                    expect(error).toBeInstanceOf(DuplicateCommandError);
                    expect(error).toMatchObject({ code: 'COIL-ST002', key: 'k1' });
                }
                expect(await snapshot(store, ['b1', 'b2'], ['k1'])).toStrictEqual(before);
                expect(await store.batch('b2')).toBeNull();
                expect(await store.outcome('k1')).toStrictEqual(first.outcome!.value);
            });
        });

        describe('timers', () => {
            it('sets and clears timers with the commit, listed by due time', async () => {
                await append(store, 'b1', [draft('batch-started', {})], { set: [timer('b1', 'timer:late#1', T0 + 300), timer('b1', 'timer:early#1', T0 + 100)] });
                await append(store, 'b2', [draft('batch-started', {})], { set: [timer('b2', 'timer:middle#1', T0 + 200)] });
                expect(await store.timers()).toEqual([timer('b1', 'timer:early#1', T0 + 100), timer('b2', 'timer:middle#1', T0 + 200), timer('b1', 'timer:late#1', T0 + 300)]);
                expect(await store.timers('b1')).toEqual([timer('b1', 'timer:early#1', T0 + 100), timer('b1', 'timer:late#1', T0 + 300)]);
                expect(await store.timers('b3')).toEqual([]);

                // One commit stops a timer and starts its next run.
                await append(store, 'b1', [draft('step-completed', {})], { clear: ['timer:early#1'], set: [timer('b1', 'timer:early#2', T0 + 50)] });
                expect(await store.timers()).toEqual([timer('b1', 'timer:early#2', T0 + 50), timer('b2', 'timer:middle#1', T0 + 200), timer('b1', 'timer:late#1', T0 + 300)]);
                // Clearing names the batch's own timers only.
                await append(store, 'b2', [draft('step-started', {})], { clear: ['timer:late#1'] });
                expect(await store.timers('b1')).toHaveLength(2);
            });

            it('claims due timers earliest first, for one owner at a time until the lease ends', async () => {
                await append(store, 'b1', [draft('batch-started', {})], {
                    set: [timer('b1', 'timer:c#1', T0 + 300), timer('b1', 'timer:a#1', T0 + 100), timer('b1', 'timer:d#1', T0 + 10_000)],
                });
                await append(store, 'b2', [draft('batch-started', {})], { set: [timer('b2', 'timer:b#1', T0 + 200)] });

                const now = T0 + 250;
                expect(await store.claimDueTimers(now, 10, 'node-1', 1000)).toEqual([timer('b1', 'timer:a#1', T0 + 100), timer('b2', 'timer:b#1', T0 + 200)]);
                // Leased to node-1: node-2 gets nothing; node-1 may claim its own again.
                expect(await store.claimDueTimers(now, 10, 'node-2', 1000)).toEqual([]);
                expect(await store.claimDueTimers(now + 1, 10, 'node-1', 1000)).toHaveLength(2);
                // A claim hides nothing from the listing.
                expect(await store.timers()).toHaveLength(4);
                // A timer that falls due meanwhile is free for anyone.
                expect(await store.claimDueTimers(T0 + 400, 10, 'node-2', 1000)).toEqual([timer('b1', 'timer:c#1', T0 + 300)]);
                // node-1's lease (claimed at now + 1) runs until now + 1001; then node-2 may take over.
                expect(await store.claimDueTimers(now + 1000, 10, 'node-2', 1000)).toEqual([timer('b1', 'timer:c#1', T0 + 300)]);
                expect(await store.claimDueTimers(now + 1001, 10, 'node-2', 1000)).toEqual([timer('b1', 'timer:a#1', T0 + 100), timer('b2', 'timer:b#1', T0 + 200), timer('b1', 'timer:c#1', T0 + 300)]);
                // The limit takes the earliest; a timer not yet due is never claimed.
                expect(await store.claimDueTimers(T0 + 9_999, 1, 'node-2', 1000)).toEqual([timer('b1', 'timer:a#1', T0 + 100)]);
                expect(await store.claimDueTimers(T0 + 9_999, 10, 'node-2', 1000)).not.toContainEqual(timer('b1', 'timer:d#1', T0 + 10_000));

                // A fired (cleared) timer cannot be claimed again.
                await append(store, 'b1', [draft('timer-fired', {})], { clear: ['timer:a#1'] });
                expect(await store.claimDueTimers(T0 + 20_000, 10, 'node-3', 1000)).toEqual([timer('b2', 'timer:b#1', T0 + 200), timer('b1', 'timer:c#1', T0 + 300), timer('b1', 'timer:d#1', T0 + 10_000)]);
            });
        });

        describe('definitions', () => {
            it('stores a definition once under its digest: a second put changes nothing', async () => {
                const other = `sha256:${'a'.repeat(64)}`;
                await store.putDefinition(other, '{"v":1}');
                await store.putDefinition(other, '{"v":2}');
                expect(await store.definition(other)).toBe('{"v":1}');
                expect(await store.definition(DIGEST)).toBe('{"workflow":"test"}');
                expect(await store.definition('sha256:missing')).toBeNull();
                expect(await store.definitions()).toEqual([other, DIGEST]);
            });

            it('reports its schema version as a number', async () => {
                const version = await store.schemaVersion();
                expect(Number.isInteger(version) && version >= 0).toBe(true);
                expect(version === 0).toBe(store.kind === 'memory');
            });
        });

        if (reopen) {
            it('keeps everything across close and reopen, and goes on from where it was', async () => {
                const before = await build(store, 'b1', [draft('batch-started', {}), draft('step-completed', {}, ['Collected by'])], { key: 'k1', set: [timer('b1', 'timer:a#1', T0 + 100), timer('b1', 'timer:b#1', T0 + 200)] });
                await store.commit(before);
                await append(store, 'b2', [draft('batch-started', {})], { key: 'k2', set: [timer('b2', 'timer:c#1', T0 + 300)] });
                await append(store, 'b1', [draft('timer-fired', {})], { key: 'k3', clear: ['timer:a#1'] });
                expect(await store.claimDueTimers(T0 + 250, 10, 'node-1', 60_000)).toEqual([timer('b1', 'timer:b#1', T0 + 200)]);
                const saved = { ...(await snapshot(store, ['b1', 'b2'], ['k1', 'k2', 'k3'])), definitions: await store.definitions(), schema: await store.schemaVersion() };

                store = await reopen(store);
                expect({ ...(await snapshot(store, ['b1', 'b2'], ['k1', 'k2', 'k3'])), definitions: await store.definitions(), schema: await store.schemaVersion() }).toStrictEqual(saved);
                expect(saved.all).toHaveLength(4);
                await expectVerified(store, 'b1');
                await expectVerified(store, 'b2');
                // Claims survive too, and the versions and keys still guard commits.
                expect(await store.claimDueTimers(T0 + 250, 10, 'node-2', 60_000)).toEqual([]);
                await expect(store.commit(before)).rejects.toBeInstanceOf(ConcurrencyError);
                await expect(store.commit(await build(store, 'b1', [draft('step-started', {})], { key: 'k2' }))).rejects.toBeInstanceOf(DuplicateCommandError);
                await append(store, 'b1', [draft('step-started', {})], { key: 'k4' });
                expect((await store.eventsAfter(saved.all.at(-1)!.position, 10)).map(e => `${e.batch}/${e.seq}`)).toEqual(['b1/4']);
                await expectVerified(store, 'b1');
            });
        }

        describe('under the runtime (golden AutologousFresh)', () => {
            let clock: VirtualClock;
            let runtime: Runtime;

            beforeEach(async () => {
                clock = new VirtualClock(T0);
                runtime = new Runtime({ store, clock, node: 'node-a' });
                await runtime.load(WORKFLOW);
            });

            async function start(batch: string, rt: Runtime = runtime): Promise<void> {
                const [startBatch, startCollect] = collectCommands(clock.now());
                expect((await rt.execute(command(startBatch, batch, `${batch}:start`), WORKFLOW.digest)).ok).toBe(true);
                expect((await rt.execute(command(startCollect, batch, `${batch}:collect`))).ok).toBe(true);
            }

            it('records a batch the runtime drives, with its timers, and the trail verifies', async () => {
                await start('B1');
                const events = await store.events('B1');
                expect(events.map(e => e.type)).toEqual(['batch-started', 'step-started']);
                expect(events.map(e => e.command)).toEqual(['B1:start', 'B1:collect']);
                expect(await store.batch('B1')).toMatchObject({ definition: WORKFLOW.digest, identity: 'W1234260001233', version: 2, head: events[1].hash });
                expect((await store.timers('B1')).map(t => t.key)).toEqual(['timer:step:Collect:max#1', 'timer:vein-to-vein#1']);
                expect(await store.definition(WORKFLOW.digest)).not.toBeNull();
                expect(await runtime.verify('B1')).toEqual([]);

                // A second runtime (nothing cached) rebuilds the same state from the store.
                const cold = new Runtime({ store, clock });
                expect((await cold.batch('B1'))?.state).toStrictEqual((await runtime.batch('B1'))?.state);
            });

            it('returns the first outcome for a repeated idempotency key and writes nothing new', async () => {
                await start('B1');
                const before = await snapshot(store, ['B1'], ['B1:collect']);
                const first = await store.events('B1', 1);
                for (const rt of [runtime, new Runtime({ store, clock, node: 'node-b' })]) {
                    const again = await rt.execute(command({ type: 'start-step', step: 'step:Collect' }, 'B1', 'B1:collect'));
                    expect(again).toStrictEqual({ ok: true, batch: 'B1', events: first, replayed: true });
                }
                // A different command under a used key is refused: a key names one command, never two.
                const other = await runtime.execute(command({ type: 'scan', identity: IDENTITY, target: 'step:Collect' }, 'B1', 'B1:collect'));
                expect(other).toMatchObject({ ok: false, code: 'COIL-RT030', events: [] });
                expect(other.ok ? '' : other.reason).toContain('already used for start-step on batch B1');
                expect(await snapshot(store, ['B1'], ['B1:collect'])).toStrictEqual(before);
            });

            it('fires a due timer once from the store, and never again', async () => {
                await start('B1');
                clock.advance(6 * 3600_000);
                const fired = await runtime.sweep();
                expect(fired.map(o => o.ok && o.events[0].data.key)).toEqual(['timer:step:Collect:max#1']);
                expect(await new Runtime({ store, clock, node: 'node-b' }).sweep()).toEqual([]);
                expect(await runtime.sweep()).toEqual([]);
                expect((await store.timers('B1')).map(t => t.key)).toEqual(['timer:vein-to-vein#1']);
                expect(await runtime.verify('B1')).toEqual([]);
            });

            it('loses and duplicates nothing when two runtimes race commands on one batch', async () => {
                await start('B1');
                const raced = withLatency(store, 7);
                const a = new Runtime({ store: raced.store, clock, node: 'node-a' });
                const b = new Runtime({ store: raced.store, clock, node: 'node-b' });
                const scan = (rt: Runtime, key: string) => rt.execute(command({ type: 'scan', identity: IDENTITY, target: 'step:Collect' }, 'B1', key));
                const keys = [...Array.from({ length: 12 }, (_, i) => `a${i}`), ...Array.from({ length: 12 }, (_, i) => `b${i}`)];
                const settled = await Promise.allSettled([
                    ...keys.map(k => scan(k.startsWith('a') ? a : b, k)),
                    // The same command reaching both runtimes at once.
                    scan(a, 'both'), scan(b, 'both'),
                ]);
                // The commits really collided, and the store refused the stale ones.
                expect(raced.conflicts()).toBeGreaterThan(0);

                const events = await store.events('B1');
                expect((await store.batch('B1'))?.version).toBe(events.length);
                expect(events.map(e => e.seq)).toEqual(events.map((_, i) => i + 1));
                const recorded = new Set<string>();
                for (const [i, result] of settled.entries()) {
                    const key = i < keys.length ? keys[i] : 'both';
                    const mine = events.filter(e => e.command === key);
                    if (result.status === 'rejected') {
                        // A runtime that loses every retry gives up with the store's error; it wrote nothing.
                        expect(result.reason).toBeInstanceOf(ConcurrencyError);
                        if (key !== 'both') {
                            expect(mine).toEqual([]);
                            expect(await store.outcome(key)).toBeNull();
                        }
                        continue;
                    }
                    expect(result.value.ok).toBe(true);
                    // Recorded once, and answered with what was recorded.
                    expect(mine.map(e => e.type)).toEqual(['identity-verified']);
                    expect(result.value.events).toStrictEqual(mine);
                    expect((await store.outcome(key))?.seqs).toEqual([mine[0].seq, mine[0].seq]);
                    recorded.add(key);
                }
                const both = settled.slice(-2).filter(r => r.status === 'fulfilled').map(r => (r as PromiseFulfilledResult<CommandOutcome>).value);
                expect(both.filter(o => !o.replayed).length).toBeLessThanOrEqual(1);
                expect(events).toHaveLength(2 + recorded.size);
                expect(await runtime.verify('B1')).toEqual([]);

                // What was refused goes through when sent again.
                for (const key of [...keys, 'both'].filter(k => !recorded.has(k))) expect((await scan(a, key)).ok).toBe(true);
                expect(await store.events('B1')).toHaveLength(2 + keys.length + 1);
                expect(await runtime.verify('B1')).toEqual([]);
            });
        });
    });
}
