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
    {
        version: 3,
        description: 'users, sessions, signing challenges, definition approvals and the security log of the runtime server',
        sql: `
-- People who use the server. Accounts are disabled, never deleted (21 CFR 11.10(g), 11.300).
-- password: scrypt$<N>$<r>$<p>$<salt, base64>$<hash, base64>.
CREATE TABLE users (
    user           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    roles          TEXT NOT NULL CHECK (json_valid(roles)),
    qualifications TEXT NOT NULL CHECK (json_valid(qualifications)),
    password       TEXT NOT NULL,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created        INTEGER NOT NULL,
    updated        INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER users_no_delete BEFORE DELETE ON users
BEGIN SELECT RAISE(ABORT, 'accounts are disabled, never deleted'); END;

-- Bearer sessions, by the SHA-256 of their token (the token itself is never stored).
-- signed: the session has made a signature, so later ones may use the password alone (21 CFR 11.200(a)(1)(i)).
CREATE TABLE sessions (
    token   TEXT PRIMARY KEY,
    user    TEXT NOT NULL REFERENCES users (user),
    created INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    revoked INTEGER,
    signed  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- One-time signing challenges: what a signature is for, issued to one session, used once.
CREATE TABLE challenges (
    challenge TEXT PRIMARY KEY,
    session   TEXT NOT NULL,
    user      TEXT NOT NULL REFERENCES users (user),
    subject   TEXT NOT NULL CHECK (json_valid(subject)),
    meanings  TEXT NOT NULL CHECK (json_valid(meanings)),
    created   INTEGER NOT NULL,
    expires   INTEGER NOT NULL,
    used      INTEGER
) WITHOUT ROWID;

-- QA approvals of definitions (change control): an e-signature bound to the definition digest.
CREATE TABLE approvals (
    id      INTEGER PRIMARY KEY,
    digest  TEXT NOT NULL REFERENCES definitions (digest),
    user    TEXT NOT NULL,
    name    TEXT NOT NULL,
    meaning TEXT NOT NULL,
    time    INTEGER NOT NULL,
    hash    TEXT NOT NULL
);
CREATE INDEX approvals_by_digest ON approvals (digest);

-- Logins, logouts, failed attempts, account and approval changes: who, what, when, from where, hash-chained.
CREATE TABLE security_log (
    id      INTEGER PRIMARY KEY,
    time    INTEGER NOT NULL,
    type    TEXT NOT NULL,
    subject TEXT,
    actor   TEXT NOT NULL,
    address TEXT,
    detail  TEXT NOT NULL CHECK (json_valid(detail)),
    prev    TEXT NOT NULL,
    hash    TEXT NOT NULL
);
CREATE INDEX security_log_by_subject ON security_log (subject, type, time);
CREATE INDEX security_log_by_address ON security_log (address, type, time);
CREATE TRIGGER security_log_no_update BEFORE UPDATE ON security_log
BEGIN SELECT RAISE(ABORT, 'the security log is append-only'); END;
CREATE TRIGGER security_log_no_delete BEFORE DELETE ON security_log
BEGIN SELECT RAISE(ABORT, 'the security log is append-only'); END;
CREATE TRIGGER approvals_no_update BEFORE UPDATE ON approvals
BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;
CREATE TRIGGER approvals_no_delete BEFORE DELETE ON approvals
BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;
`,
    },
];

/** The schema version this code writes and understands. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;
