/**
 * The PostgreSQL store's schema, as an ordered list of migrations: the same tables as the SQLite
 * store (sqlite-migrations.ts), in PostgreSQL's types. A migration, once released, is never edited:
 * a change to the schema is a new migration at the end. `PostgresStore.open` applies the missing
 * ones, each in its own transaction under an advisory lock, and records it in `schema_migrations`.
 *
 * Choices that keep what is read back identical to what the runtime chained:
 * - times are BIGINT (milliseconds since the epoch), read back as numbers;
 * - the JSON columns are `json`, not `jsonb`: `json` keeps the text exactly as written (jsonb
 *   refuses `\u0000` and rewrites numbers and key order), and is still checked to be JSON;
 * - keys that listings sort on are COLLATE "C", so that they order by bytes, as the other stores do,
 *   whatever the database's default collation;
 * - events.position is an identity column: the global order. Commits append under a transaction
 *   advisory lock (see postgres.ts), so that positions become visible in commit order.
 */
import type { Migration } from './sqlite-migrations.js';

/** The table the migrations are recorded in; created (under the migration lock) before any migration runs. */
export const MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at  BIGINT NOT NULL
)`;

export const MIGRATIONS: readonly Migration[] = [
    {
        version: 1,
        description: 'batch record: definitions, batches, events, signatures, timers, commands',
        sql: `
-- Compiled workflows by digest, as loaded (JSON text, kept verbatim).
CREATE TABLE definitions (
    digest   TEXT COLLATE "C" PRIMARY KEY,
    workflow TEXT NOT NULL
);

-- One row per batch: what it runs on and where its chain ends (version = number of events, head = last hash).
-- A commit locks its batch's row: the version check and the write are one.
CREATE TABLE batches (
    batch      TEXT COLLATE "C" PRIMARY KEY,
    definition TEXT COLLATE "C" NOT NULL REFERENCES definitions (digest),
    identity   TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 0),
    head       TEXT NOT NULL,
    status     TEXT NOT NULL,
    updated    BIGINT NOT NULL
);

-- The audit trail. position is the global commit order; seq numbers a batch's events from 1.
CREATE TABLE events (
    position   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch      TEXT COLLATE "C" NOT NULL REFERENCES batches (batch),
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    type       TEXT NOT NULL,
    time       BIGINT NOT NULL,
    "user"     TEXT NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT,
    reason     TEXT,
    data       JSON NOT NULL,
    changes    JSON NOT NULL,
    signatures JSON NOT NULL,
    command    TEXT,
    prev       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    UNIQUE (batch, seq)
);

-- Signature records, each bound to the hash of the event it signs (21 CFR 11.70).
CREATE TABLE signatures (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch   TEXT COLLATE "C" NOT NULL,
    seq     INTEGER NOT NULL,
    "user"  TEXT NOT NULL,
    name    TEXT NOT NULL,
    meaning TEXT NOT NULL,
    time    BIGINT NOT NULL,
    signed  TEXT NOT NULL,
    hash    TEXT NOT NULL,
    FOREIGN KEY (batch, seq) REFERENCES events (batch, seq)
);
CREATE INDEX signatures_by_event ON signatures (batch, seq);

-- Pending timer instances; a claim keeps other runtime nodes off a timer while one fires it.
CREATE TABLE timers (
    batch         TEXT COLLATE "C" NOT NULL REFERENCES batches (batch),
    key           TEXT COLLATE "C" NOT NULL,
    timer         TEXT NOT NULL,
    due           BIGINT NOT NULL,
    claimed_by    TEXT,
    claimed_until BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (batch, key)
);
-- The claim's order (due, batch, key), so that a sweep reads the earliest timers off the index.
CREATE INDEX timers_by_due ON timers (due, batch, key);

-- What each command came to, by idempotency key.
CREATE TABLE commands (
    key     TEXT COLLATE "C" PRIMARY KEY,
    batch   TEXT COLLATE "C" NOT NULL REFERENCES batches (batch),
    outcome JSON NOT NULL
);
`,
    },
    {
        version: 2,
        description: 'append-only audit trail: events and signatures refuse UPDATE, DELETE and TRUNCATE',
        // Defense in depth: a superuser or the tables' owner can drop these; verifyBatch is what detects that.
        sql: `
CREATE FUNCTION coil_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% are append-only: % on the audit trail is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION coil_append_only();
CREATE TRIGGER events_no_delete BEFORE DELETE ON events FOR EACH ROW EXECUTE FUNCTION coil_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION coil_append_only();
CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures FOR EACH ROW EXECUTE FUNCTION coil_append_only();
CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures FOR EACH ROW EXECUTE FUNCTION coil_append_only();
CREATE TRIGGER signatures_no_truncate BEFORE TRUNCATE ON signatures FOR EACH STATEMENT EXECUTE FUNCTION coil_append_only();
`,
    },
];

/** The schema version this code writes and understands. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;
