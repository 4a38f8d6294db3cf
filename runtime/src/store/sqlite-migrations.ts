/**
 * The SQLite store's schema, as an ordered list of migrations. A migration, once released, is never
 * edited: a change to the schema is a new migration at the end. `SqliteStore.open` applies the
 * missing ones, each in its own transaction, and records it in `schema_migrations`.
 */

export interface Migration {
    /** 1, 2, 3…: gapless, in order. */
    readonly version: number;
    readonly description: string;
    readonly sql: string;
}

/** The table the migrations are recorded in; created before any migration runs. */
export const MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at  INTEGER NOT NULL
)`;

export const MIGRATIONS: readonly Migration[] = [
    {
        version: 1,
        description: 'batch record: definitions, batches, events, signatures, timers, commands',
        sql: `
-- Compiled workflows by digest, as loaded (JSON text).
CREATE TABLE definitions (
    digest   TEXT PRIMARY KEY,
    workflow TEXT NOT NULL
);

-- One row per batch: what it runs on and where its chain ends (version = number of events, head = last hash).
CREATE TABLE batches (
    batch      TEXT PRIMARY KEY,
    definition TEXT NOT NULL REFERENCES definitions (digest),
    identity   TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 0),
    head       TEXT NOT NULL,
    status     TEXT NOT NULL,
    updated    INTEGER NOT NULL
) WITHOUT ROWID;

-- The audit trail. position is the global commit order (rowids only grow: rows are never deleted,
-- so AUTOINCREMENT's extra write per commit is not needed); seq numbers a batch's events from 1.
CREATE TABLE events (
    position   INTEGER PRIMARY KEY,
    batch      TEXT NOT NULL REFERENCES batches (batch),
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    type       TEXT NOT NULL,
    time       INTEGER NOT NULL,
    user       TEXT NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT,
    reason     TEXT,
    data       TEXT NOT NULL CHECK (json_valid(data)),
    changes    TEXT NOT NULL CHECK (json_valid(changes)),
    signatures TEXT NOT NULL CHECK (json_valid(signatures)),
    command    TEXT,
    prev       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    UNIQUE (batch, seq)
);

-- Signature records, each bound to the hash of the event it signs (21 CFR 11.70).
CREATE TABLE signatures (
    id      INTEGER PRIMARY KEY,
    batch   TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    user    TEXT NOT NULL,
    name    TEXT NOT NULL,
    meaning TEXT NOT NULL,
    time    INTEGER NOT NULL,
    signed  TEXT NOT NULL,
    hash    TEXT NOT NULL,
    FOREIGN KEY (batch, seq) REFERENCES events (batch, seq)
);
CREATE INDEX signatures_by_event ON signatures (batch, seq);

-- Pending timer instances; a claim keeps other runtime nodes off a timer while one fires it.
CREATE TABLE timers (
    batch         TEXT NOT NULL REFERENCES batches (batch),
    key           TEXT NOT NULL,
    timer         TEXT NOT NULL,
    due           INTEGER NOT NULL,
    claimed_by    TEXT,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (batch, key)
);
CREATE INDEX timers_by_due ON timers (due);

-- What each command came to, by idempotency key.
CREATE TABLE commands (
    key     TEXT PRIMARY KEY,
    batch   TEXT NOT NULL REFERENCES batches (batch),
    outcome TEXT NOT NULL CHECK (json_valid(outcome))
) WITHOUT ROWID;
`,
    },
    {
        version: 2,
        description: 'append-only audit trail: events and signatures refuse UPDATE and DELETE',
        // Defense in depth: whoever holds the file can drop these; verifyBatch is what detects that.
        sql: `
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: an audit trail event cannot be updated'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: an audit trail event cannot be deleted'); END;
CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures
BEGIN SELECT RAISE(ABORT, 'signatures are append-only: a signature record cannot be updated'); END;
CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures
BEGIN SELECT RAISE(ABORT, 'signatures are append-only: a signature record cannot be deleted'); END;
`,
    },
];

/** The schema version this code writes and understands. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;
