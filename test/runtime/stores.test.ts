/**
 * Every store passes the one conformance suite; then what only SQLite has: its pragmas, its
 * versioned migrations, its refusal of a database from a newer Coil, and its append-only triggers.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chain, ConcurrencyError, GENESIS, MemoryStore, SchemaVersionError, SqliteStore, type EventDraft, type Store } from '@coil/runtime';
// The migrations are not part of the package's API: from the built file.
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../runtime/dist/store/sqlite-migrations.js';
import { describeStoreConformance, T0 } from './store-conformance.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-stores-'));
let files = 0;
const newFile = () => path.join(root, `store-${++files}.db`);

afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
});

describeStoreConformance('memory', async () => new MemoryStore());

describeStoreConformance('SQLite (file)', async () => SqliteStore.open(newFile()), async store => {
    await store.close();
    return SqliteStore.open((store as SqliteStore).path);
});

describeStoreConformance('SQLite (:memory:)', async () => SqliteStore.open(':memory:'));

function draft(type: string, meanings: string[] = []): EventDraft {
    return {
        type, time: T0, user: 'nurse', name: 'N. Jones', role: null, reason: null, data: { type }, changes: [],
        signatures: meanings.map(meaning => ({ user: 'nurse', name: 'N. Jones', meaning, time: T0 })),
    };
}

/** A small signed batch written through the store, for the tests that then look at the file. */
async function writeBatch(store: Store, batch = 'b1'): Promise<void> {
    await store.putDefinition('sha256:def', '{}');
    const { events, signatures } = chain(batch, GENESIS, 0, [draft('batch-started'), draft('step-completed', ['Collected by'])], 'k1');
    await store.commit({
        batch, definition: 'sha256:def', identity: 'X1', expectedVersion: 0, events, signatures, timers: { set: [], clear: [] },
        outcome: { key: `${batch}:k1`, value: { batch, ok: true, code: null, reason: null, seqs: [1, 2] } }, status: 'in_progress', time: T0,
    });
}

describe('SQLite store', () => {
    let file: string;
    let store: SqliteStore | null;

    beforeEach(() => {
        file = newFile();
        store = null;
    });

    afterEach(async () => {
        await store?.close();
    });

    it('runs WAL with synchronous=FULL, foreign keys on and a busy timeout', async () => {
        store = SqliteStore.open(file);
        expect(store.pragmas()).toEqual({ journalMode: 'wal', synchronous: 2, foreignKeys: 1, busyTimeout: 5000 });
        const patient = SqliteStore.open(newFile(), { busyTimeoutMs: 250 });
        expect(patient.pragmas().busyTimeout).toBe(250);
        await patient.close();
        // WAL is a property of the file: another connection sees it too.
        const raw = new Database(file, { readonly: true });
        expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
        raw.close();
    });

    it('records each migration once, and a reopened database applies none', async () => {
        expect(MIGRATIONS.map(m => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
        store = SqliteStore.open(file);
        expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
        await store.close();

        const raw = new Database(file, { readonly: true });
        const applied = raw.prepare('SELECT version, description, applied_at FROM schema_migrations ORDER BY version').all() as Array<{ version: number; description: string; applied_at: number }>;
        raw.close();
        expect(applied.map(m => [m.version, m.description])).toEqual(MIGRATIONS.map(m => [m.version, m.description]));

        store = SqliteStore.open(file);
        await store.close();
        const again = new Database(file, { readonly: true });
        expect(again.prepare('SELECT version, description, applied_at FROM schema_migrations ORDER BY version').all()).toEqual(applied);
        again.close();
    });

    it('applies only the migrations a database lacks, keeping its data', async () => {
        store = SqliteStore.open(file, { migrations: MIGRATIONS.slice(0, 1) });
        expect(await store.schemaVersion()).toBe(1);
        await writeBatch(store);
        await store.close();
        const raw = new Database(file, { readonly: true });
        expect(raw.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").pluck().get()).toBe(0);
        raw.close();

        store = SqliteStore.open(file);
        expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
        expect((await store.events('b1')).map(e => e.type)).toEqual(['batch-started', 'step-completed']);
        await store.close();
        const after = new Database(file, { readonly: true });
        expect(after.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual(MIGRATIONS.map(m => m.version));
        expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").pluck().all()).toEqual([
            'approvals_no_delete', 'approvals_no_update', 'events_no_delete', 'events_no_update', 'security_log_no_delete', 'security_log_no_update',
            'signatures_no_delete', 'signatures_no_update', 'users_no_delete',
        ]);
        after.close();
    });

    it('refuses a database written by a newer Coil (COIL-ST003) and leaves it untouched', async () => {
        store = SqliteStore.open(file);
        await writeBatch(store);
        await store.close();
        store = null;
        const raw = new Database(file);
        raw.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)').run(LATEST_SCHEMA_VERSION + 1, 'from the future', Date.now());
        const before = raw.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY name").all();
        raw.close();

        const error = (() => {
            try {
                SqliteStore.open(file);
                return null;
            } catch (e) {
                return e;
            }
        })();
        expect(error).toBeInstanceOf(SchemaVersionError);
        expect(error).toMatchObject({ code: 'COIL-ST003', found: LATEST_SCHEMA_VERSION + 1, known: LATEST_SCHEMA_VERSION });
        expect((error as Error).message).toMatch(/newer than this Coil runtime knows/);
        // The same for a runtime that knows fewer migrations than the file has.
        expect(() => SqliteStore.open(file, { migrations: MIGRATIONS.slice(0, 1) })).toThrow(SchemaVersionError);

        const check = new Database(file, { readonly: true });
        expect(check.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY name").all()).toEqual(before);
        expect(check.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(LATEST_SCHEMA_VERSION + 1);
        check.close();
    });

    it('refuses a newer database before setting anything on it, its journal mode included', () => {
        const raw = new Database(file);
        raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)');
        raw.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(LATEST_SCHEMA_VERSION + 5, 'from the future', Date.now());
        expect(raw.pragma('journal_mode', { simple: true })).toBe('delete');
        raw.close();

        expect(() => SqliteStore.open(file)).toThrow(expect.objectContaining({ code: 'COIL-ST003', found: LATEST_SCHEMA_VERSION + 5 }));
        const check = new Database(file, { readonly: true });
        expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
        expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['schema_migrations']);
        check.close();
    });

    it('refuses UPDATE and DELETE on events and signatures (append-only triggers)', async () => {
        store = SqliteStore.open(file);
        await writeBatch(store);
        const raw = new Database(file);
        const attempts = [
            "UPDATE events SET type = 'forged' WHERE seq = 1",
            'DELETE FROM events WHERE seq = 2',
            'DELETE FROM events',
            "UPDATE signatures SET meaning = 'Approved'",
            'DELETE FROM signatures',
        ];
        for (const sql of attempts) expect(() => raw.exec(sql), sql).toThrow(/append-only/);
        raw.close();
        expect((await store.events('b1')).map(e => e.type)).toEqual(['batch-started', 'step-completed']);
        expect(await store.signatures('b1')).toHaveLength(1);
        expect(await store.batch('b1')).toMatchObject({ version: 2 });
    });

    it('refuses a stale commit made through another connection to the same file', async () => {
        store = SqliteStore.open(file);
        const other = SqliteStore.open(file);
        try {
            await writeBatch(store);
            // The second connection sees the first one's commit at once.
            expect(await other.batch('b1')).toMatchObject({ version: 2 });
            const { events, signatures } = chain('b1', GENESIS, 0, [draft('batch-started')], 'k2');
            const stale = {
                batch: 'b1', definition: 'sha256:def', identity: 'X1', expectedVersion: 0, events, signatures, timers: { set: [], clear: [] },
                outcome: { key: 'k2', value: { batch: 'b1', ok: true, code: null, reason: null, seqs: [1, 1] as [number, number] } }, status: 'in_progress', time: T0,
            };
            await expect(other.commit(stale)).rejects.toBeInstanceOf(ConcurrencyError);
            expect(await store.outcome('k2')).toBeNull();
        } finally {
            await other.close();
        }
    });
});
