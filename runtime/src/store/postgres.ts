/**
 * The PostgreSQL store: several runtime nodes on one database, each with its own pool. Every
 * commit is a single statement (one round trip, one transaction, READ COMMITTED):
 *
 * - the batch row is written only if it is still at the expected version (an UPDATE ... WHERE
 *   version = expected, or an INSERT ... ON CONFLICT for a new batch). That locks the row: another
 *   writer of the batch waits, then finds the version moved, writes nothing and gets
 *   ConcurrencyError;
 * - then the append lock (below) is taken;
 * - then the events, their signatures, the timers and the command's outcome are written; a
 *   repeated idempotency key fails the statement on the primary key (DuplicateCommandError).
 *
 * The append lock is a transaction-scoped advisory lock every commit takes before its events get
 * their positions, and holds until it has committed. Without it, positions (an identity column) are
 * handed out when rows are inserted, not when they commit: a reader paging `eventsAfter` could see
 * position 11 committed while 10 was still in flight, move past it, and never see 10. With it,
 * positions become visible in order, as with SQLite's single writer. Commits therefore finish one at
 * a time (the version checks of different batches still run side by side).
 *
 * Timers are claimed with FOR UPDATE SKIP LOCKED, so that nodes sweeping at once split the due
 * timers between them instead of waiting for each other.
 */
import pg from 'pg';
import { GENESIS, type StoredSignature } from '../audit.js';
import type { RecordedEvent } from '../engine/types.js';
import { MIGRATIONS, MIGRATIONS_TABLE } from './postgres-migrations.js';
import type { Migration } from './sqlite-migrations.js';
import { ConcurrencyError, DuplicateCommandError, SchemaVersionError, type BatchRow, type Commit, type PositionedEvent, type Store, type StoredOutcome, type TimerRow } from './store.js';

export interface PostgresStoreOptions {
    /** The migrations to apply (tests only; default: all of them). */
    readonly migrations?: readonly Migration[];
}

/** Advisory lock keys (two int4s): 'Coil' and what is locked. */
const LOCK_CLASS = 0x436f696c;
const MIGRATION_LOCK = 1;
const APPEND_LOCK = 2;

interface EventRow {
    readonly position: string;
    readonly batch: string;
    readonly seq: number;
    readonly type: string;
    readonly time: string;
    readonly user: string;
    readonly name: string;
    readonly role: string | null;
    readonly reason: string | null;
    readonly data: RecordedEvent['data'];
    readonly changes: RecordedEvent['changes'];
    readonly signatures: RecordedEvent['signatures'];
    readonly command: string | null;
    readonly prev: string;
    readonly hash: string;
}

interface SignatureRow extends Omit<StoredSignature, 'time'> {
    readonly time: string;
}

interface BatchRowText extends Omit<BatchRow, 'updated'> {
    readonly updated: string;
}

interface TimerRowText extends Omit<TimerRow, 'due'> {
    readonly due: string;
}

const EVENT_COLUMNS = 'position, batch, seq, type, time, "user", name, role, reason, data, changes, signatures, command, prev, hash';
const SIGNATURE_COLUMNS = 'batch, seq, "user", name, meaning, time, signed, hash';
const BATCH_COLUMNS = 'batch, definition, identity, version, head, status, updated';

/**
 * A commit, as one statement. `b` writes the batch row if it is still at the expected version
 * (which locks it: a concurrent writer of the batch waits, then finds the version moved and writes
 * nothing); `l` then takes the append lock, and holds a row only if `b` wrote. Every other write is
 * conditioned on `l` (an init plan evaluated before its first row, so before any event gets its
 * position). The result's `ok` is 0 when the version was stale: then nothing was written.
 * $1-$22 events and signatures, $23 the batch, $24 timers to clear, $25-$28 timers to set,
 * $29-$30 the idempotency key and outcome, $31… the batch row (`batch` below).
 */
function commitStatement(batch: string): string {
    return `WITH b AS (${batch}),
        l AS (SELECT pg_advisory_xact_lock(${LOCK_CLASS}, ${APPEND_LOCK}) IS NULL AS locked FROM b),
        e AS (
            INSERT INTO events (batch, seq, type, time, "user", name, role, reason, data, changes, signatures, command, prev, hash)
            SELECT batch, seq, type, time, "user", name, role, reason, data, changes, signatures, command, prev, hash
            FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[],
                        $9::json[], $10::json[], $11::json[], $12::text[], $13::text[], $14::text[])
                WITH ORDINALITY AS x (batch, seq, type, time, "user", name, role, reason, data, changes, signatures, command, prev, hash, n)
            WHERE EXISTS (SELECT FROM l)
            ORDER BY n),
        s AS (
            INSERT INTO signatures (${SIGNATURE_COLUMNS})
            SELECT batch, seq, "user", name, meaning, time, signed, hash
            FROM unnest($15::text[], $16::int[], $17::text[], $18::text[], $19::text[], $20::bigint[], $21::text[], $22::text[])
                WITH ORDINALITY AS x (batch, seq, "user", name, meaning, time, signed, hash, n)
            WHERE EXISTS (SELECT FROM l)
            ORDER BY n),
        d AS (
            DELETE FROM timers WHERE batch = $23 AND key = ANY ($24::text[]) AND EXISTS (SELECT FROM l)),
        t AS (
            INSERT INTO timers (batch, key, timer, due, claimed_by, claimed_until)
            SELECT batch, key, timer, due, NULL, 0 FROM unnest($25::text[], $26::text[], $27::text[], $28::bigint[]) AS x (batch, key, timer, due)
            WHERE EXISTS (SELECT FROM l)
            ON CONFLICT (batch, key) DO UPDATE SET timer = excluded.timer, due = excluded.due, claimed_by = NULL, claimed_until = 0),
        c AS (
            INSERT INTO commands (key, batch, outcome) SELECT $29::text, $23, $30::json WHERE $29::text IS NOT NULL AND EXISTS (SELECT FROM l))
        SELECT count(*)::int AS ok FROM l`;
}

/**
 * The SQL, as named statements: each connection prepares one once and then only binds it. pg
 * returns BIGINT as text (it may not fit a double); times and positions here always do, and are
 * converted back to numbers.
 */
const SQL = {
    // A new batch, or one recorded with no events yet (version 0). The definition is pinned at the start, never updated.
    start: commitStatement(`
            INSERT INTO batches (${BATCH_COLUMNS}) VALUES ($23, $31, $32, $33, COALESCE($34, '${GENESIS}'), $35, $36)
            ON CONFLICT (batch) DO UPDATE SET identity = excluded.identity, version = batches.version + $33,
                head = COALESCE($34, batches.head), status = excluded.status, updated = excluded.updated
            WHERE batches.version = 0
            RETURNING 1`),
    advance: commitStatement(`
            UPDATE batches SET identity = $31, version = version + $32, head = COALESCE($33, head), status = $34, updated = $35
            WHERE batch = $23 AND version = $36
            RETURNING 1`),
    version: 'SELECT version FROM batches WHERE batch = $1',
    putDefinition: 'INSERT INTO definitions (digest, workflow) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING',
    definition: 'SELECT workflow FROM definitions WHERE digest = $1',
    definitions: 'SELECT digest FROM definitions ORDER BY digest',
    events: `SELECT ${EVENT_COLUMNS} FROM events WHERE batch = $1 AND seq > $2 ORDER BY seq`,
    eventsAfter: `SELECT ${EVENT_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2`,
    signatures: `SELECT ${SIGNATURE_COLUMNS} FROM signatures WHERE batch = $1 ORDER BY id`,
    batch: `SELECT ${BATCH_COLUMNS} FROM batches WHERE batch = $1`,
    batches: `SELECT ${BATCH_COLUMNS} FROM batches ORDER BY batch`,
    outcome: 'SELECT outcome FROM commands WHERE key = $1',
    timers: 'SELECT batch, key, timer, due FROM timers ORDER BY due, batch, key',
    timersOf: 'SELECT batch, key, timer, due FROM timers WHERE batch = $1 ORDER BY due, batch, key',
    // One statement: rows another node is claiming right now are skipped, not waited for; a row
    // claimed and committed meanwhile is checked again against the WHERE and left out.
    claim: `WITH claimed AS (
            UPDATE timers t SET claimed_by = $3, claimed_until = $4
            FROM (SELECT batch, key FROM timers
                  WHERE due <= $1 AND (claimed_by IS NULL OR claimed_by = $3 OR claimed_until <= $1)
                  ORDER BY due, batch, key LIMIT $2
                  FOR UPDATE SKIP LOCKED) d
            WHERE t.batch = d.batch AND t.key = d.key
            RETURNING t.batch, t.key, t.timer, t.due)
        SELECT batch, key, timer, due FROM claimed ORDER BY due, batch, key`,
    schemaVersion: 'SELECT max(version) AS version FROM schema_migrations',
} as const;

type Statement = keyof typeof SQL;

/** The event exactly as it was chained (the json columns come back parsed, verbatim as written). */
function eventOf(row: EventRow): RecordedEvent {
    return {
        batch: row.batch, seq: row.seq, type: row.type, time: Number(row.time), user: row.user, name: row.name, role: row.role, reason: row.reason,
        data: row.data, changes: row.changes, signatures: row.signatures, command: row.command, prev: row.prev, hash: row.hash,
    };
}

const signatureOf = (row: SignatureRow): StoredSignature => ({
    batch: row.batch, seq: row.seq, user: row.user, name: row.name, meaning: row.meaning, time: Number(row.time), signed: row.signed, hash: row.hash,
});

const batchOf = (row: BatchRowText): BatchRow => ({
    batch: row.batch, definition: row.definition, identity: row.identity, version: row.version, head: row.head, status: row.status, updated: Number(row.updated),
});

const timerOf = (row: TimerRowText): TimerRow => ({ batch: row.batch, key: row.key, timer: row.timer, due: Number(row.due) });

/** U+0000 (PostgreSQL text cannot hold it) or an unpaired surrogate (UTF-8 cannot encode it: it would come back as U+FFFD). */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuses, before anything is written, text that would not come back as it went in: the event's
 * hash would no longer match and verification would report an edit that never happened. (Inside
 * the JSON columns such characters are escaped and kept.)
 */
function checkText(c: Commit): void {
    const texts: Array<[string, string | null]> = [['batch', c.batch], ['definition', c.definition], ['identity', c.identity], ['status', c.status]];
    for (const e of c.events) {
        texts.push(['event batch', e.batch], ['event type', e.type], ['event user', e.user], ['event name', e.name], ['event role', e.role],
            ['event reason', e.reason], ['event command', e.command], ['event prev', e.prev], ['event hash', e.hash]);
    }
    for (const s of c.signatures) texts.push(['signature user', s.user], ['signature name', s.name], ['signature meaning', s.meaning], ['signature batch', s.batch], ['signature', s.signed], ['signature hash', s.hash]);
    for (const t of c.timers.set) texts.push(['timer batch', t.batch], ['timer key', t.key], ['timer', t.timer]);
    for (const key of c.timers.clear) texts.push(['timer key', key]);
    if (c.outcome) texts.push(['idempotency key', c.outcome.key]);
    for (const [what, text] of texts) {
        if (text !== null && UNSTORABLE.test(text)) {
            throw new Error(`${what} ${JSON.stringify(text)} cannot be stored in PostgreSQL unchanged (it holds U+0000 or an unpaired surrogate): nothing was recorded`);
        }
    }
}

/** postgresql://user@host:port/database, without the password: what error messages name. */
function describeDatabase(config: pg.PoolConfig): string {
    if (config.connectionString) {
        try {
            const url = new URL(config.connectionString);
            url.password = '';
            url.search = '';
            return url.toString();
        } catch {
            return 'the PostgreSQL database';
        }
    }
    return `postgresql://${config.user ?? ''}@${config.host ?? 'localhost'}:${config.port ?? 5432}/${config.database ?? ''}`;
}

interface PgError {
    readonly code?: string;
    readonly constraint?: string;
}

export class PostgresStore implements Store {
    readonly kind = 'postgres';

    /** `database` names the database (no password) for messages. */
    private constructor(private readonly pool: pg.Pool, readonly database: string) {}

    /**
     * Connects a pool (a connection string or pg's pool configuration: host, database, max…) and
     * applies the migrations the database lacks. Refuses, with COIL-ST003, a database whose schema
     * is newer than this code, before writing anything to it. The tables live in the first schema
     * of the connection's search_path (`options: '-c search_path=coil'` to choose one).
     */
    static async open(connection: string | pg.PoolConfig, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
        const config: pg.PoolConfig = typeof connection === 'string' ? { connectionString: connection } : connection;
        const pool = new pg.Pool(config);
        // An idle connection that breaks (a server restart) is dropped by the pool and replaced on
        // the next query, which reports any lasting problem; unhandled, the event would end the process.
        pool.on('error', () => undefined);
        const database = describeDatabase(config);
        try {
            await migrate(pool, database, options.migrations ?? MIGRATIONS);
            return new PostgresStore(pool, database);
        } catch (error) {
            await pool.end();
            throw error;
        }
    }

    private async query<R extends pg.QueryResultRow>(statement: Statement, values: unknown[] = []): Promise<R[]> {
        return (await this.pool.query<R>({ name: `coil.${statement}`, text: SQL[statement], values })).rows;
    }

    async schemaVersion(): Promise<number> {
        return (await this.query<{ version: number | null }>('schemaVersion'))[0].version ?? 0;
    }

    async putDefinition(digest: string, workflow: string): Promise<void> {
        await this.query('putDefinition', [digest, workflow]);
    }

    async definition(digest: string): Promise<string | null> {
        return (await this.query<{ workflow: string }>('definition', [digest]))[0]?.workflow ?? null;
    }

    async definitions(): Promise<string[]> {
        return (await this.query<{ digest: string }>('definitions')).map(r => r.digest);
    }

    async commit(c: Commit): Promise<void> {
        checkText(c);
        const head = c.events.at(-1)?.hash ?? null;
        const n = c.events.length;
        // A timer both cleared and set is replaced (the upsert resets it); one set twice keeps its last setting.
        const set = [...new Map(c.timers.set.map(t => [`${t.batch}\u0000${t.key}`, t])).values()];
        const clear = c.timers.clear.filter(key => !set.some(t => t.batch === c.batch && t.key === key));
        const e = c.events;
        const s = c.signatures;
        const values: unknown[] = [
            e.map(x => x.batch), e.map(x => x.seq), e.map(x => x.type), e.map(x => x.time), e.map(x => x.user), e.map(x => x.name),
            e.map(x => x.role), e.map(x => x.reason), e.map(x => JSON.stringify(x.data)), e.map(x => JSON.stringify(x.changes)),
            e.map(x => JSON.stringify(x.signatures)), e.map(x => x.command), e.map(x => x.prev), e.map(x => x.hash),
            s.map(x => x.batch), s.map(x => x.seq), s.map(x => x.user), s.map(x => x.name), s.map(x => x.meaning), s.map(x => x.time),
            s.map(x => x.signed), s.map(x => x.hash),
            c.batch, clear,
            set.map(t => t.batch), set.map(t => t.key), set.map(t => t.timer), set.map(t => t.due),
            c.outcome?.key ?? null, c.outcome ? JSON.stringify(c.outcome.value) : null,
            ...(c.expectedVersion === 0 ? [c.definition, c.identity, n, head, c.status, c.time] : [c.identity, n, head, c.status, c.time, c.expectedVersion]),
        ];
        let ok: number;
        try {
            // One statement, so one transaction: all of it is written, or (on any error) none.
            ok = (await this.query<{ ok: number }>(c.expectedVersion === 0 ? 'start' : 'advance', values))[0].ok;
        } catch (error) {
            throw await this.refusal(c, error);
        }
        if (ok !== 1) throw new ConcurrencyError(c.batch, c.expectedVersion, await this.version(c.batch));
    }

    /** The batch's version now (a new statement: it sees what committed meanwhile), for the error. */
    private async version(batch: string): Promise<number | null> {
        return (await this.query<{ version: number }>('version', [batch]))[0]?.version ?? null;
    }

    /** What a failed commit (rolled back whole) means to the runtime. */
    private async refusal(c: Commit, error: unknown): Promise<unknown> {
        const { code, constraint } = error as PgError;
        if (code === '23505' && constraint === 'commands_pkey' && c.outcome) return new DuplicateCommandError(c.outcome.key);
        // Another writer got the batch (or its sequence numbers) first; 40001/40P01 should not happen
        // under READ COMMITTED with this lock order, but mean the same: nothing was written, decide again.
        if ((code === '23505' && (constraint === 'batches_pkey' || constraint === 'events_batch_seq_key')) || code === '40001' || code === '40P01') {
            return new ConcurrencyError(c.batch, c.expectedVersion, await this.version(c.batch).catch(() => null));
        }
        return error;
    }

    async events(batch: string, afterSeq = 0): Promise<RecordedEvent[]> {
        return (await this.query<EventRow>('events', [batch, afterSeq])).map(eventOf);
    }

    async signatures(batch: string): Promise<StoredSignature[]> {
        return (await this.query<SignatureRow>('signatures', [batch])).map(signatureOf);
    }

    async batch(batch: string): Promise<BatchRow | null> {
        const row = (await this.query<BatchRowText>('batch', [batch]))[0];
        return row ? batchOf(row) : null;
    }

    async batches(): Promise<BatchRow[]> {
        return (await this.query<BatchRowText>('batches')).map(batchOf);
    }

    async outcome(key: string): Promise<StoredOutcome | null> {
        return (await this.query<{ outcome: StoredOutcome }>('outcome', [key]))[0]?.outcome ?? null;
    }

    async eventsAfter(position: number, limit: number): Promise<PositionedEvent[]> {
        return (await this.query<EventRow>('eventsAfter', [position, limit])).map(row => ({ ...eventOf(row), position: Number(row.position) }));
    }

    async timers(batch?: string): Promise<TimerRow[]> {
        return (await (batch === undefined ? this.query<TimerRowText>('timers') : this.query<TimerRowText>('timersOf', [batch]))).map(timerOf);
    }

    async claimDueTimers(now: number, limit: number, owner: string, leaseMs: number): Promise<TimerRow[]> {
        return (await this.query<TimerRowText>('claim', [now, limit, owner, now + leaseMs])).map(timerOf);
    }

    private closed = false;

    async close(): Promise<void> {
        if (this.closed) return;
        this.closed = true;
        await this.pool.end();
    }
}

/** The highest migration applied to the database (in the search_path's schema), 0 for a new one. */
async function appliedVersion(db: pg.Pool | pg.PoolClient): Promise<number> {
    const exists = await db.query<{ found: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS found");
    if (!exists.rows[0].found) return 0;
    return (await db.query<{ version: number | null }>(SQL.schemaVersion)).rows[0].version ?? 0;
}

function checkVersion(database: string, found: number, migrations: readonly Migration[]): void {
    const known = migrations.at(-1)?.version ?? 0;
    if (found > known) throw new SchemaVersionError(database, found, known);
}

/**
 * Brings the schema up to date, one migration per transaction. Each transaction first takes the
 * migration advisory lock and reads the applied version again, so nodes starting at once apply
 * each migration once (the others wait, then find it done), and a newer node that migrated
 * meanwhile is still noticed. Opening an up-to-date database takes no lock and writes nothing.
 */
async function migrate(pool: pg.Pool, database: string, migrations: readonly Migration[]): Promise<void> {
    const applied = await appliedVersion(pool);
    checkVersion(database, applied, migrations);
    const missing = migrations.filter(m => m.version > applied);
    if (missing.length === 0) return;
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
        for (const m of missing) {
            await client.query('BEGIN');
            try {
                await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, MIGRATION_LOCK]);
                await client.query(MIGRATIONS_TABLE);
                const found = await appliedVersion(client);
                checkVersion(database, found, migrations);
                if (found < m.version) {
                    await client.query(m.sql);
                    await client.query('INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)', [m.version, m.description, Date.now()]);
                }
                await client.query('COMMIT');
            } catch (error) {
                await client.query('ROLLBACK').catch((rollback: Error) => {
                    broken = rollback;
                });
                throw error;
            }
        }
    } finally {
        client.release(broken);
    }
}
