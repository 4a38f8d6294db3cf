/**
 * The PostgreSQL store against a real server (a throwaway cluster, test/runtime/postgres.ts): the
 * conformance suite every store passes, then what only PostgreSQL has: several pools (runtime
 * nodes) on one database committing, claiming timers and sweeping at once, positions that become
 * visible in commit order, its migrations (and nodes migrating at once), its refusal of a newer
 * schema, its append-only triggers, and byte-order sorting in a database whose collation is not.
 *
 * Each store gets a schema of its own (search_path), in one database per file.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
    chain, ConcurrencyError, DuplicateCommandError, GENESIS, PostgresStore, Runtime, SchemaVersionError, verifyBatch, VirtualClock,
    type Commit, type EventDraft, type Store, type TimerRow,
} from '@coil/runtime';
// The migrations are not part of the package's API: from the built file.
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../runtime/dist/store/postgres-migrations.js';
import { startPostgres, type PostgresServer } from './postgres.js';
import { collectCommands, command, describeStoreConformance, IDENTITY, T0, WORKFLOW } from './store-conformance.js';

let server: PostgresServer;
let url: string;
let admin: pg.Client;

/** Why there is no server: every test fails with it (a missing PostgreSQL is never a reason to skip). */
let unavailable: unknown = null;

beforeAll(async () => {
    try {
        server = await startPostgres();
        // ICU's en-US collation (a < B < _x in no byte order): the store must sort by bytes all the same.
        url = await server.createDatabase('coil_postgres_test', { icuLocale: 'en-US' });
        admin = new pg.Client({ connectionString: url });
        await admin.connect();
    } catch (error) {
        unavailable = error;
    }
});

beforeEach(() => {
    if (unavailable) throw unavailable;
});

afterAll(async () => {
    await admin?.end();
    await server?.stop();
});

let schemas = 0;

/** A new, empty schema and the pool configuration that works in it. */
async function freshSchema(): Promise<pg.PoolConfig & { schema: string }> {
    const schema = `store_${++schemas}`;
    await admin.query(`CREATE SCHEMA ${schema}`);
    return { connectionString: url, options: `-c search_path=${schema}`, max: 10, schema };
}

/** A plain connection into a store's schema, for what the store would never do. */
async function raw(config: pg.PoolConfig): Promise<pg.Client> {
    const client = new pg.Client(config);
    await client.connect();
    return client;
}

const configs = new WeakMap<Store, pg.PoolConfig>();

async function openIn(config: pg.PoolConfig): Promise<PostgresStore> {
    const store = await PostgresStore.open(config);
    configs.set(store, config);
    return store;
}

describeStoreConformance('PostgreSQL', async () => openIn(await freshSchema()), async store => {
    await store.close();
    return openIn(configs.get(store)!);
});

const DEF = 'sha256:def';

function draft(type: string, data: Record<string, unknown> = {}, meanings: string[] = []): EventDraft {
    return {
        type, time: T0, user: 'nurse', name: 'N. Jones', role: null, reason: null, data: { type, ...data }, changes: [],
        signatures: meanings.map(meaning => ({ user: 'nurse', name: 'N. Jones', meaning, time: T0 })),
    };
}

/** A commit of `drafts` after the batch's current head (as `store` sees it), under `key`. */
async function build(store: Store, batch: string, drafts: EventDraft[], key: string | null, timers: { set?: TimerRow[]; clear?: string[] } = {}): Promise<Commit> {
    const row = await store.batch(batch);
    const version = row?.version ?? 0;
    const { events, signatures } = chain(batch, row?.head ?? GENESIS, version, drafts, key);
    return {
        batch, definition: DEF, identity: `ID-${batch}`, expectedVersion: version, events, signatures,
        timers: { set: timers.set ?? [], clear: timers.clear ?? [] },
        outcome: key === null ? null : { key, value: { batch, ok: true, code: null, reason: null, seqs: [version + 1, version + events.length] } },
        status: 'in_progress', time: T0,
    };
}

async function verified(store: Store, batch: string): Promise<void> {
    expect(verifyBatch(batch, await store.events(batch), await store.signatures(batch), await store.batch(batch))).toEqual([]);
}

describe('PostgreSQL store', () => {
    const open: Store[] = [];
    const clients: pg.Client[] = [];

    /** Stores and connections opened in a test are closed after it, even when it fails. */
    async function store(config: pg.PoolConfig, options?: Parameters<typeof PostgresStore.open>[1]): Promise<PostgresStore> {
        const opened = await PostgresStore.open(config, options);
        open.push(opened);
        return opened;
    }

    async function connection(config: pg.PoolConfig): Promise<pg.Client> {
        const client = await raw(config);
        clients.push(client);
        return client;
    }

    afterEach(async () => {
        await Promise.all(open.splice(0).map(s => s.close()));
        await Promise.all(clients.splice(0).map(c => c.end()));
    });

    describe('schema', () => {
        /** The tables, columns, indexes, triggers and functions of a schema: what a refused open must leave alone. */
        async function catalog(schema: string) {
            const { rows } = await admin.query(`
                SELECT 'column' AS kind, table_name || '.' || column_name || ' ' || data_type || ' ' || coalesce(collation_name, '') AS name
                    FROM information_schema.columns WHERE table_schema = $1
                UNION ALL SELECT 'index', indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = $1
                UNION ALL SELECT 'trigger', tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = $1 AND NOT t.tgisinternal
                UNION ALL SELECT 'function', proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
                ORDER BY 1, 2`, [schema]);
            return rows as Array<{ kind: string; name: string }>;
        }

        async function migrations(schema: string) {
            const { rows } = await admin.query(`SELECT version, description, applied_at FROM ${schema}.schema_migrations ORDER BY version`);
            return rows as Array<{ version: number; description: string; applied_at: string }>;
        }

        async function writeBatch(s: Store, batch = 'b1'): Promise<void> {
            await s.putDefinition(DEF, '{}');
            await s.commit(await build(s, batch, [draft('batch-started'), draft('step-completed', {}, ['Collected by'])], `${batch}:k1`));
        }

        it('records each migration once, and a reopened database applies none', async () => {
            expect(MIGRATIONS.map(m => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
            const config = await freshSchema();
            const first = await store(config);
            expect(first.kind).toBe('postgres');
            expect(await first.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
            const applied = await migrations(config.schema);
            expect(applied.map(m => [m.version, m.description])).toEqual(MIGRATIONS.map(m => [m.version, m.description]));
            for (const m of applied) expect(Math.abs(Number(m.applied_at) - Date.now())).toBeLessThan(60_000);
            await first.close();

            const again = await store(config);
            expect(await again.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
            expect(await migrations(config.schema)).toEqual(applied);
            // The tables are in the store's own schema, nowhere else.
            expect((await catalog(config.schema)).filter(c => c.kind === 'trigger').map(c => c.name)).toEqual([
                'events_no_delete', 'events_no_truncate', 'events_no_update', 'signatures_no_delete', 'signatures_no_truncate', 'signatures_no_update',
            ]);
            expect((await admin.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'")).rows[0].n).toBe(0);
        });

        it('applies only the migrations a database lacks, keeping its data', async () => {
            const config = await freshSchema();
            const old = await store(config, { migrations: MIGRATIONS.slice(0, 1) });
            expect(await old.schemaVersion()).toBe(1);
            await writeBatch(old);
            await old.close();
            expect((await catalog(config.schema)).filter(c => c.kind === 'trigger')).toEqual([]);

            const upgraded = await store(config);
            expect(await upgraded.schemaVersion()).toBe(2);
            expect((await upgraded.events('b1')).map(e => e.type)).toEqual(['batch-started', 'step-completed']);
            await verified(upgraded, 'b1');
            expect((await migrations(config.schema)).map(m => m.version)).toEqual([1, 2]);
            expect((await catalog(config.schema)).filter(c => c.kind === 'trigger')).toHaveLength(6);
        });

        it('migrates a new database once when several nodes start at the same moment', async () => {
            const config = await freshSchema();
            const nodes = await Promise.all(Array.from({ length: 6 }, () => store({ ...config, max: 2 })));
            for (const node of nodes) expect(await node.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
            expect((await migrations(config.schema)).map(m => m.version)).toEqual(MIGRATIONS.map(m => m.version));
            // And they all work on the one schema.
            await writeBatch(nodes[0]);
            expect((await nodes[5].batch('b1'))?.version).toBe(2);
        });

        it('refuses a database written by a newer Coil (COIL-ST003) and leaves it untouched', async () => {
            const config = await freshSchema();
            const current = await store(config);
            await writeBatch(current);
            await current.close();
            await admin.query(`INSERT INTO ${config.schema}.schema_migrations (version, description, applied_at) VALUES ($1, 'from the future', $2)`, [LATEST_SCHEMA_VERSION + 1, Date.now()]);
            const before = { catalog: await catalog(config.schema), migrations: await migrations(config.schema) };

            const error = await PostgresStore.open(config).then(s => s.close().then(() => null), (e: unknown) => e);
            expect(error).toBeInstanceOf(SchemaVersionError);
            expect(error).toMatchObject({ code: 'COIL-ST003', found: LATEST_SCHEMA_VERSION + 1, known: LATEST_SCHEMA_VERSION });
            expect((error as Error).message).toMatch(/newer than this Coil runtime knows/);
            // The message names the database, never a password.
            const secret = await PostgresStore.open({ ...config, connectionString: url.replace('postgres@', 'postgres:s3cret@') }).then(s => s.close().then(() => null), (e: unknown) => e);
            expect(secret).toBeInstanceOf(SchemaVersionError);
            expect((secret as Error).message).toContain(`:${server.port}/coil_postgres_test`);
            expect((secret as Error).message).not.toContain('s3cret');
            // The same for a runtime that knows fewer migrations than the database has.
            await expect(PostgresStore.open(config, { migrations: MIGRATIONS.slice(0, 1) })).rejects.toMatchObject({ code: 'COIL-ST003', found: LATEST_SCHEMA_VERSION + 1, known: 1 });

            expect({ catalog: await catalog(config.schema), migrations: await migrations(config.schema) }).toEqual(before);
        });

        it('refuses UPDATE, DELETE and TRUNCATE on events and signatures (append-only triggers)', async () => {
            const config = await freshSchema();
            const s = await store(config);
            await writeBatch(s);
            const client = await connection(config);
            const attempts = [
                "UPDATE events SET type = 'forged' WHERE seq = 1",
                'UPDATE events SET data = \'{"forged":true}\'',
                'DELETE FROM events WHERE seq = 2',
                'DELETE FROM events',
                'TRUNCATE events CASCADE',
                "UPDATE signatures SET meaning = 'Approved'",
                'DELETE FROM signatures',
                'TRUNCATE signatures',
            ];
            for (const sql of attempts) {
                const error = await client.query(sql).then(() => null, (e: unknown) => e);
                expect(error, sql).toMatchObject({ code: '23000', message: expect.stringMatching(/append-only/) });
            }
            expect((await s.events('b1')).map(e => e.type)).toEqual(['batch-started', 'step-completed']);
            expect(await s.signatures('b1')).toHaveLength(1);
            expect(await s.batch('b1')).toMatchObject({ version: 2 });
            await verified(s, 'b1');
        });
    });

    describe('data', () => {
        it('gives back JSON exactly as chained, and refuses text PostgreSQL would change, writing nothing', async () => {
            const s = await store(await freshSchema());
            await s.putDefinition(DEF, '{}');
            // In the JSON columns: what jsonb would refuse (\u0000) or rewrite (1e21, key order), and an unpaired surrogate.
            const data = { z: 1, a: 2, nul: 'a\u0000b', lone: 'x\ud800y', big: 1e21, small: 5e-324, negative: -0.5, max: Number.MAX_SAFE_INTEGER, deep: { b: [1, { a: null }], a: '' } };
            const commit = await build(s, 'b1', [draft('batch-started', data)], 'k1');
            await s.commit(commit);
            expect(await s.events('b1')).toStrictEqual(commit.events);
            expect(Object.keys((await s.events('b1'))[0].data)).toEqual(['type', 'z', 'a', 'nul', 'lone', 'big', 'small', 'negative', 'max', 'deep']);
            await verified(s, 'b1');

            const before = await s.eventsAfter(0, 100);
            for (const [what, bad] of [['reason', 'a\u0000b'], ['name', 'N. \udc00Jones'], ['user', 'nurse\ud83d']] as const) {
                const drafted = { ...draft('step-started'), [what]: bad };
                const refused = await build(s, 'b1', [drafted], `bad-${what}`);
                await expect(s.commit(refused), what).rejects.toThrow(/cannot be stored in PostgreSQL unchanged/);
                expect(await s.outcome(`bad-${what}`)).toBeNull();
            }
            const badKey = await build(s, 'b2', [draft('batch-started')], 'k2');
            await expect(s.commit({ ...badKey, outcome: { ...badKey.outcome!, key: 'k\u00002' } })).rejects.toThrow(/idempotency key "k\\u00002" cannot be stored/);
            expect(await s.eventsAfter(0, 100)).toStrictEqual(before);
            expect(await s.batch('b2')).toBeNull();
            // A well-formed astral character is fine.
            const astral = await build(s, 'b1', [{ ...draft('step-started'), name: 'N. Jones 🧪' }], 'k2');
            await s.commit(astral);
            expect((await s.events('b1', 1))[0].name).toBe('N. Jones 🧪');
            await verified(s, 'b1');
        });

        it('sorts batches, definitions and timers by bytes in a database whose collation does not', async () => {
            expect((await admin.query("SELECT array_agg(x ORDER BY x) AS xs FROM unnest(ARRAY['b', 'B', 'a', '_x', 'Z']) x")).rows[0].xs).toEqual(['_x', 'a', 'b', 'B', 'Z']);
            const s = await store(await freshSchema());
            const names = ['b', 'B', 'a', '_x', 'Z'];
            for (const digest of names) await s.putDefinition(`sha256:${digest}`, '{}');
            await s.putDefinition(DEF, '{}');
            for (const batch of names) {
                await s.commit(await build(s, batch, [draft('batch-started')], `start-${batch}`, {
                    set: [{ batch, key: 'timer:t#1', timer: 'timer:t', due: T0 }, { batch, key: `timer:${batch}#1`, timer: `timer:${batch}`, due: T0 }],
                }));
            }
            const bytes = [...names].sort();
            expect(bytes).toEqual(['B', 'Z', '_x', 'a', 'b']);
            expect((await s.batches()).map(b => b.batch)).toEqual(bytes);
            expect(await s.definitions()).toEqual([...names.map(d => `sha256:${d}`), DEF].sort());
            const timers = (await s.timers()).map(t => `${t.batch}/${t.key}`);
            expect(timers).toEqual(bytes.flatMap(b => [`timer:${b}#1`, 'timer:t#1'].sort().map(k => `${b}/${k}`)));
            expect((await s.claimDueTimers(T0, 100, 'node-1', 1000)).map(t => `${t.batch}/${t.key}`)).toEqual(timers);
        });
    });

    describe('several nodes on one database', () => {
        it('lets exactly one of two concurrent commits on a batch through; the other is a ConcurrencyError and writes nothing', async () => {
            const config = await freshSchema();
            const [a, b] = [await store(config), await store(config)];
            await a.putDefinition(DEF, '{}');
            let wins = { a: 0, b: 0 };
            for (let round = 0; round < 20; round++) {
                // Both see the same version (0 in the first round: two starts of one new batch).
                const [ca, cb] = [
                    await build(a, 'b1', [draft('value-recorded', { by: 'a', round }, round % 3 === 0 ? ['Verified by'] : [])], `a${round}`, { set: [{ batch: 'b1', key: `timer:a${round}#1`, timer: 'timer:a', due: T0 }] }),
                    await build(b, 'b1', [draft('value-recorded', { by: 'b', round }), draft('comment-added', { by: 'b' })], `b${round}`, { set: [{ batch: 'b1', key: `timer:b${round}#1`, timer: 'timer:b', due: T0 }] }),
                ];
                expect(ca.expectedVersion).toBe(cb.expectedVersion);
                const settled = await Promise.allSettled([a.commit(ca), b.commit(cb)]);
                const won = settled.map(r => r.status === 'fulfilled');
                expect(won.filter(Boolean), `round ${round}`).toHaveLength(1);
                const [winner, loser] = won[0] ? [ca, cb] : [cb, ca];
                const lost = settled.find(r => r.status === 'rejected') as PromiseRejectedResult;
                expect(lost.reason).toBeInstanceOf(ConcurrencyError);
                expect(lost.reason).toMatchObject({ batch: 'b1', expected: ca.expectedVersion, actual: ca.expectedVersion + winner.events.length });
                wins = won[0] ? { ...wins, a: wins.a + 1 } : { ...wins, b: wins.b + 1 };
                // The winner's commit, all of it; nothing of the loser's.
                expect(await a.events('b1', ca.expectedVersion)).toStrictEqual(winner.events);
                expect(await b.outcome(winner.outcome!.key)).toStrictEqual(winner.outcome!.value);
                expect(await b.outcome(loser.outcome!.key)).toBeNull();
                expect((await a.timers('b1')).map(t => t.key)).toContain(winner.timers.set[0].key);
                expect((await a.timers('b1')).map(t => t.key)).not.toContain(loser.timers.set[0].key);
            }
            const events = await a.events('b1');
            expect(events.map(e => e.seq)).toEqual(events.map((_, i) => i + 1));
            expect(await a.timers('b1')).toHaveLength(20);
            await verified(b, 'b1');
        });

        it('records an idempotency key once when two nodes use it on two new batches at once', async () => {
            const config = await freshSchema();
            const [a, b] = [await store(config), await store(config)];
            await a.putDefinition(DEF, '{}');
            for (let round = 0; round < 10; round++) {
                const key = `same-${round}`;
                const [ca, cb] = [await build(a, `a${round}`, [draft('batch-started')], key), await build(b, `b${round}`, [draft('batch-started')], key)];
                const settled = await Promise.allSettled([a.commit(ca), b.commit(cb)]);
                expect(settled.filter(r => r.status === 'fulfilled')).toHaveLength(1);
                const lost = settled.find(r => r.status === 'rejected') as PromiseRejectedResult;
                expect(lost.reason).toBeInstanceOf(DuplicateCommandError);
                expect(lost.reason).toMatchObject({ code: 'COIL-ST002', key });
                const [winner, loser] = settled[0].status === 'fulfilled' ? [ca, cb] : [cb, ca];
                expect(await a.outcome(key)).toStrictEqual(winner.outcome!.value);
                expect(await a.batch(loser.batch)).toBeNull();
                expect(await b.events(loser.batch)).toEqual([]);
            }
            expect(await a.batches()).toHaveLength(10);
        });

        it('makes positions visible in commit order: a reader paging eventsAfter while nodes commit misses nothing', async () => {
            const config = await freshSchema();
            const nodes = [await store(config), await store(config)];
            await nodes[0].putDefinition(DEF, '{}');
            let writing = true;
            const seen: Awaited<ReturnType<Store['eventsAfter']>> = [];
            const reader = (async () => {
                const tail = await store(config);
                for (let after = 0, last = false; ;) {
                    if (!writing) last = true;
                    const page = await tail.eventsAfter(after, 1000);
                    seen.push(...page);
                    if (page.length > 0) after = page.at(-1)!.position;
                    else if (last) return;
                }
            })();
            // 20 connections committing to 80 batches, 3 commits each.
            await Promise.all(Array.from({ length: 80 }, async (_, i) => {
                const node = nodes[i % 2];
                const batch = `b${i}`;
                for (let k = 0; k < 3; k++) await node.commit(await build(node, batch, [draft('value-recorded', { k }), draft('comment-added', { k })], `${batch}:${k}`));
            }));
            writing = false;
            await reader;
            const all = await nodes[1].eventsAfter(0, 10_000);
            expect(all).toHaveLength(80 * 3 * 2);
            expect(seen.map(e => e.position)).toEqual(all.map(e => e.position));
            expect(seen).toStrictEqual(all);
        });

        it('splits due timers between nodes claiming at once: no timer is claimed twice', async () => {
            const config = await freshSchema();
            const [a, b] = [await store(config), await store(config)];
            await a.putDefinition(DEF, '{}');
            for (let i = 0; i < 4; i++) {
                const set = Array.from({ length: 50 }, (_, k) => ({ batch: `b${i}`, key: `timer:t${k}#1`, timer: `timer:t${k}`, due: T0 + k * 10 + i }));
                await a.commit(await build(a, `b${i}`, [draft('batch-started')], `b${i}`, { set }));
            }
            for (let round = 0; round < 5; round++) {
                // Every lease of the round before has ended.
                const now = T0 + 10_000 + round * 100_000;
                const claims = await Promise.all([a, a, b, b].map((s, n) => s.claimDueTimers(now, 60, `node-${round}-${n}`, 50_000)));
                const keys = claims.flat().map(t => `${t.batch}/${t.key}`);
                expect(new Set(keys).size, `round ${round}`).toBe(keys.length);
                expect(keys).toHaveLength(200);
                for (const claim of claims) expect(claim.map(t => t.due)).toEqual([...claim.map(t => t.due)].sort((x, y) => x - y));
                // While the leases run, nobody else gets anything.
                expect(await b.claimDueTimers(now + 1, 1000, 'latecomer', 50_000)).toEqual([]);
            }
        });

        it('skips a timer another node is claiming instead of waiting for it', async () => {
            const config = await freshSchema();
            const s = await store(config);
            await s.putDefinition(DEF, '{}');
            const set = ['timer:a#1', 'timer:b#1', 'timer:c#1'].map((key, i) => ({ batch: 'b1', key, timer: key.split('#')[0], due: T0 + i }));
            await s.commit(await build(s, 'b1', [draft('batch-started')], 'k1', { set }));
            const other = await connection(config);
            await other.query('BEGIN');
            await other.query("SELECT key FROM timers WHERE key = 'timer:a#1' FOR UPDATE");
            const timeout = new Promise<'blocked'>(resolve => setTimeout(() => resolve('blocked'), 3000).unref());
            const claimed = await Promise.race([s.claimDueTimers(T0 + 10, 10, 'node-1', 1000), timeout]);
            expect(claimed).toEqual(set.slice(1));
            await other.query('ROLLBACK');
            // Released without a claim: free for anyone.
            expect(await s.claimDueTimers(T0 + 10, 10, 'node-2', 1000)).toEqual(set.slice(0, 1));
        });

        describe('two runtimes', () => {
            let clock: VirtualClock;
            let stores: PostgresStore[];
            let conflicts: number;

            /** Runtime nodes, each on its own pool, counting the commits the store refused them. */
            async function nodes(count: number): Promise<Runtime[]> {
                const config = await freshSchema();
                clock = new VirtualClock(T0);
                stores = [];
                conflicts = 0;
                const runtimes: Runtime[] = [];
                for (let i = 0; i < count; i++) {
                    const s = await store(config);
                    stores.push(s);
                    const counted = new Proxy(s, {
                        get(target, property) {
                            const value = Reflect.get(target, property) as unknown;
                            if (property !== 'commit' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
                            return async (c: Commit) => {
                                try {
                                    return await target.commit(c);
                                } catch (error) {
                                    if (error instanceof ConcurrencyError || error instanceof DuplicateCommandError) conflicts++;
                                    throw error;
                                }
                            };
                        },
                    });
                    const runtime = new Runtime({ store: counted, clock, node: `node-${i}` });
                    await runtime.load(WORKFLOW);
                    runtimes.push(runtime);
                }
                return runtimes;
            }

            async function start(rt: Runtime, batch: string): Promise<void> {
                const [startBatch, startCollect] = collectCommands(clock.now());
                expect((await rt.execute(command(startBatch, batch, `${batch}:start`), WORKFLOW.digest)).ok).toBe(true);
                expect((await rt.execute(command(startCollect, batch, `${batch}:collect`))).ok).toBe(true);
            }

            it('acknowledges every command racing on one batch exactly once, and the chain verifies', async () => {
                const [a, b] = await nodes(2);
                await start(a, 'B1');
                const scan = (rt: Runtime, key: string) => rt.execute(command({ type: 'scan', identity: IDENTITY, target: 'step:Collect' }, 'B1', key));
                const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
                const settled = await Promise.allSettled([
                    ...keys.map((k, i) => scan(i % 2 ? a : b, k)),
                    // The same commands reaching both nodes at once.
                    ...['both-1', 'both-2', 'both-3'].flatMap(k => [scan(a, k), scan(b, k)]),
                ]);
                expect(conflicts).toBeGreaterThan(0);
                expect(settled.filter(r => r.status === 'rejected').map(r => (r as PromiseRejectedResult).reason)).toEqual([]);

                const events = await stores[0].events('B1');
                expect(events.map(e => e.seq)).toEqual(events.map((_, i) => i + 1));
                expect((await stores[1].batch('B1'))?.version).toBe(events.length);
                for (const key of [...keys, 'both-1', 'both-2', 'both-3']) {
                    const mine = events.filter(e => e.command === key);
                    expect(mine.map(e => e.type), key).toEqual(['identity-verified']);
                    expect((await stores[1].outcome(key))?.seqs).toEqual([mine[0].seq, mine[0].seq]);
                }
                const values = settled.map(r => (r as PromiseFulfilledResult<Awaited<ReturnType<Runtime['execute']>>>).value);
                for (const [i, key] of keys.entries()) {
                    expect(values[i]).toMatchObject({ ok: true });
                    expect(values[i].events).toStrictEqual(events.filter(e => e.command === key));
                }
                // Of a command sent to both, one recorded it and the other answered with that record.
                for (let i = 0; i < 3; i++) {
                    const pair = values.slice(keys.length + 2 * i, keys.length + 2 * i + 2);
                    expect(pair.map(o => o.replayed).sort()).toEqual([false, true]);
                    expect(pair[0].events).toStrictEqual(pair[1].events);
                }
                expect(events).toHaveLength(2 + keys.length + 3);
                expect(await a.verify('B1')).toEqual([]);
                expect(await b.verify('B1')).toEqual([]);
            });

            it('fires every pending timer exactly once when both sweep at the same time', async () => {
                const [a, b] = await nodes(2);
                const batches = Array.from({ length: 8 }, (_, i) => `B${i}`);
                for (const [i, batch] of batches.entries()) await start(i % 2 ? a : b, batch);
                const pending = (await stores[0].timers()).map(t => `${t.batch}/${t.key}`);
                expect(pending).toHaveLength(2 * batches.length);
                // Far enough that every timer is due.
                clock.advance(400 * 24 * 3600_000);
                const [firedA, firedB] = await Promise.all([a.sweep(3), b.sweep(3)]);

                const fired: string[] = [];
                for (const batch of batches) {
                    for (const e of await stores[1].events(batch)) if (e.type === 'timer-fired') fired.push(`${batch}/${e.data.key as string}`);
                    expect(await a.verify(batch)).toEqual([]);
                }
                expect(fired.sort()).toEqual([...pending].sort());
                const recorded = [...firedA, ...firedB].filter(o => o.ok && !o.replayed);
                expect(recorded).toHaveLength(pending.length);
                // Both nodes took a share (the claims split the work rather than one node doing it all).
                expect(firedA.length).toBeGreaterThan(0);
                expect(firedB.length).toBeGreaterThan(0);
                expect((await stores[0].timers()).filter(t => pending.includes(`${t.batch}/${t.key}`))).toEqual([]);
                expect(await a.sweep()).toEqual([]);
                expect(await b.sweep()).toEqual([]);
            });
        });
    });
});
