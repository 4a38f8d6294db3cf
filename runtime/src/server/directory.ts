/**
 * Who may use the server and what they have signed outside a batch: users (roles, qualifications,
 * scrypt password hashes), bearer sessions, one-time signing challenges, QA approvals of
 * definitions, and the security log (logins, failures, logouts, account changes, approvals),
 * hash-chained like the batch record. It lives in the SQLite store's file (schema migration 3), so
 * that `coil users` and `coil serve` share one database.
 */
import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { canonicalJson } from '@coil/compiler/ir';
import { GENESIS } from '../audit.js';
import type { Actor } from '../engine/types.js';

export interface Qualification {
    readonly id: string;
    /** ISO date, or null for none. */
    readonly expires: string | null;
}

export interface User {
    readonly user: string;
    readonly name: string;
    readonly roles: readonly string[];
    readonly qualifications: readonly Qualification[];
    readonly disabled: boolean;
    readonly created: number;
    readonly updated: number;
}

export interface Session {
    /** SHA-256 of the bearer token. */
    readonly id: string;
    readonly user: string;
    readonly created: number;
    readonly expires: number;
    readonly revoked: number | null;
    /** A signature was made in this session. */
    readonly signed: boolean;
}

/** What a signature is for: a batch command on its target, or the approval of a definition. */
export interface SignatureSubject {
    readonly batch: string | null;
    readonly command: string;
    readonly target: string | null;
}

export interface Challenge {
    readonly challenge: string;
    readonly session: string;
    readonly user: string;
    readonly subject: SignatureSubject;
    readonly meanings: readonly string[];
    readonly created: number;
    readonly expires: number;
    readonly used: number | null;
}

export interface Approval {
    readonly digest: string;
    readonly user: string;
    readonly name: string;
    readonly meaning: string;
    readonly time: number;
    /** SHA-256 over the canonical JSON of the above: binds the signature to the definition digest. */
    readonly hash: string;
}

export interface SecurityEntry {
    readonly id: number;
    readonly time: number;
    /** login, login-failed, login-locked, logout, signature-failed, user-added, user-disabled, user-enabled, password-changed, definition-approved… */
    readonly type: string;
    /** The account the entry is about. */
    readonly subject: string | null;
    /** Who did it: a user id, `system`, or `admin:<os user>` for the command line. */
    readonly actor: string;
    readonly address: string | null;
    readonly detail: Readonly<Record<string, unknown>>;
    readonly prev: string;
    readonly hash: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** The token a client holds is never stored: sessions are found by its hash. */
export const tokenId = (token: string) => createHash('sha256').update(token).digest('hex');

export function approvalHash(a: Omit<Approval, 'hash'>): string {
    return sha256(canonicalJson({ digest: a.digest, user: a.user, name: a.name, meaning: a.meaning, time: a.time }));
}

function securityHash(e: Omit<SecurityEntry, 'hash' | 'id'>): string {
    return sha256(canonicalJson({ time: e.time, type: e.type, subject: e.subject, actor: e.actor, address: e.address, detail: e.detail, prev: e.prev }));
}

interface UserRow { user: string; name: string; roles: string; qualifications: string; password: string; disabled: number; created: number; updated: number }
interface ChallengeRow { challenge: string; session: string; user: string; subject: string; meanings: string; created: number; expires: number; used: number | null }
interface SecurityRow { id: number; time: number; type: string; subject: string | null; actor: string; address: string | null; detail: string; prev: string; hash: string }

const userOf = (row: UserRow): User => ({
    user: row.user, name: row.name, roles: JSON.parse(row.roles), qualifications: JSON.parse(row.qualifications),
    disabled: row.disabled !== 0, created: row.created, updated: row.updated,
});

/** The actor a user acts as in the engine: the batch record names them by id and printed name. */
export function actorOf(user: User): Actor {
    return { user: user.user, name: user.name, roles: user.roles, qualifications: user.qualifications };
}

/** What is wrong with a new account's id or printed name, or null. */
export function newUserProblem(id: string, name: string): string | null {
    if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(id)) return `user id ${JSON.stringify(id)} must be 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit`;
    if (!name.trim()) return 'a user needs a printed name (21 CFR 11.50): give --name';
    return null;
}

export class DirectoryError extends Error {
    constructor(readonly code: string, message: string) {
        super(message);
    }
}

export class SqliteDirectory {
    private readonly q;

    constructor(private readonly db: Database.Database) {
        this.q = {
            user: db.prepare<[string], UserRow>('SELECT * FROM users WHERE user = ?'),
            users: db.prepare<[], UserRow>('SELECT * FROM users ORDER BY user'),
            password: db.prepare<[string], string>('SELECT password FROM users WHERE user = ?').pluck(),
            insertUser: db.prepare('INSERT INTO users (user, name, roles, qualifications, password, disabled, created, updated) VALUES (@user, @name, @roles, @qualifications, @password, 0, @time, @time)'),
            setDisabled: db.prepare('UPDATE users SET disabled = ?, updated = ? WHERE user = ?'),
            setPassword: db.prepare('UPDATE users SET password = ?, updated = ? WHERE user = ?'),
            setAccess: db.prepare('UPDATE users SET roles = ?, qualifications = ?, updated = ? WHERE user = ?'),
            insertSession: db.prepare('INSERT INTO sessions (token, user, created, expires, revoked, signed) VALUES (?, ?, ?, ?, NULL, 0)'),
            session: db.prepare<[string], { token: string; user: string; created: number; expires: number; revoked: number | null; signed: number }>('SELECT * FROM sessions WHERE token = ?'),
            revoke: db.prepare('UPDATE sessions SET revoked = ? WHERE token = ? AND revoked IS NULL'),
            revokeAll: db.prepare('UPDATE sessions SET revoked = ? WHERE user = ? AND revoked IS NULL'),
            markSigned: db.prepare('UPDATE sessions SET signed = 1 WHERE token = ?'),
            extend: db.prepare('UPDATE sessions SET expires = ? WHERE token = ? AND revoked IS NULL AND expires < ?'),
            insertChallenge: db.prepare('INSERT INTO challenges (challenge, session, user, subject, meanings, created, expires, used) VALUES (@challenge, @session, @user, @subject, @meanings, @created, @expires, NULL)'),
            challenge: db.prepare<[string], ChallengeRow>('SELECT * FROM challenges WHERE challenge = ?'),
            useChallenge: db.prepare('UPDATE challenges SET used = ? WHERE challenge = ? AND used IS NULL'),
            insertApproval: db.prepare('INSERT INTO approvals (digest, user, name, meaning, time, hash) VALUES (@digest, @user, @name, @meaning, @time, @hash)'),
            approvals: db.prepare<[string], Approval>('SELECT digest, user, name, meaning, time, hash FROM approvals WHERE digest = ? ORDER BY id'),
            lastSecurity: db.prepare<[], string>('SELECT hash FROM security_log ORDER BY id DESC LIMIT 1').pluck(),
            insertSecurity: db.prepare('INSERT INTO security_log (time, type, subject, actor, address, detail, prev, hash) VALUES (@time, @type, @subject, @actor, @address, @detail, @prev, @hash)'),
            security: db.prepare<[number, number], SecurityRow>('SELECT * FROM security_log WHERE id > ? ORDER BY id LIMIT ?'),
            failuresOf: db.prepare<[string, number], number>(`SELECT count(*) FROM security_log WHERE subject = ? AND type IN ('login-failed', 'signature-failed') AND time > ?`).pluck(),
            failuresFrom: db.prepare<[string, number], number>(`SELECT count(*) FROM security_log WHERE address = ? AND type IN ('login-failed', 'signature-failed') AND time > ?`).pluck(),
            lastSuccess: db.prepare<[string], number | null>(`SELECT max(time) FROM security_log WHERE subject = ? AND type = 'login'`).pluck(),
        };
    }

    user(id: string): User | null {
        const row = this.q.user.get(id);
        return row ? userOf(row) : null;
    }

    users(): User[] {
        return this.q.users.all().map(userOf);
    }

    passwordHash(id: string): string | null {
        return this.q.password.get(id) ?? null;
    }

    /** Adds an account; `passwordHash` from hashPassword. Refuses an id already taken, disabled accounts included. */
    addUser(user: { user: string; name: string; roles: readonly string[]; qualifications: readonly Qualification[] }, passwordHash: string, by: string, time: number): User {
        const problem = newUserProblem(user.user, user.name);
        if (problem) throw new DirectoryError('COIL-SV070', problem);
        this.db.transaction(() => {
            if (this.q.user.get(user.user)) throw new DirectoryError('COIL-SV071', `user ${user.user} already exists; ids are never reused, even of disabled accounts`);
            this.q.insertUser.run({ user: user.user, name: user.name.trim(), roles: JSON.stringify(user.roles), qualifications: JSON.stringify(user.qualifications), password: passwordHash, time });
            this.logNow({ time, type: 'user-added', subject: user.user, actor: by, address: null, detail: { name: user.name.trim(), roles: user.roles, qualifications: user.qualifications } });
        }).immediate();
        return this.user(user.user)!;
    }

    setDisabled(id: string, disabled: boolean, by: string, reason: string, time: number): User {
        return this.change(id, by, time, disabled ? 'user-disabled' : 'user-enabled', { reason }, () => {
            this.q.setDisabled.run(disabled ? 1 : 0, time, id);
            if (disabled) this.q.revokeAll.run(time, id);
        });
    }

    setPassword(id: string, passwordHash: string, by: string, time: number): User {
        return this.change(id, by, time, 'password-changed', {}, () => {
            this.q.setPassword.run(passwordHash, time, id);
            this.q.revokeAll.run(time, id);
        });
    }

    setAccess(id: string, roles: readonly string[], qualifications: readonly Qualification[], by: string, reason: string, time: number): User {
        const before = this.user(id);
        return this.change(id, by, time, 'access-changed', { reason, old: before && { roles: before.roles, qualifications: before.qualifications }, new: { roles, qualifications } }, () => {
            this.q.setAccess.run(JSON.stringify(roles), JSON.stringify(qualifications), time, id);
        });
    }

    private change(id: string, by: string, time: number, type: string, detail: Record<string, unknown>, write: () => void): User {
        this.db.transaction(() => {
            if (!this.q.user.get(id)) throw new DirectoryError('COIL-SV072', `no user ${id}`);
            write();
            this.logNow({ time, type, subject: id, actor: by, address: null, detail });
        }).immediate();
        return this.user(id)!;
    }

    /** Opens a session; returns the bearer token (shown once) and the session. */
    openSession(user: string, time: number, ttlMs: number, address: string | null): { token: string; session: Session } {
        const token = `coil_${randomBytes(32).toString('base64url')}`;
        const id = tokenId(token);
        this.db.transaction(() => {
            this.q.insertSession.run(id, user, time, time + ttlMs);
            this.logNow({ time, type: 'login', subject: user, actor: user, address, detail: { expires: new Date(time + ttlMs).toISOString() } });
        }).immediate();
        return { token, session: this.session(id)! };
    }

    session(id: string): Session | null {
        const row = this.q.session.get(id);
        return row ? { id: row.token, user: row.user, created: row.created, expires: row.expires, revoked: row.revoked, signed: row.signed !== 0 } : null;
    }

    closeSession(id: string, user: string, time: number, address: string | null): void {
        this.db.transaction(() => {
            this.q.revoke.run(time, id);
            this.logNow({ time, type: 'logout', subject: user, actor: user, address, detail: {} });
        }).immediate();
    }

    /** Moves a live session's expiry later (never earlier). */
    extendSession(id: string, expires: number): void {
        this.q.extend.run(expires, id, expires);
    }

    markSigned(id: string): void {
        this.q.markSigned.run(id);
    }

    createChallenge(session: Session, subject: SignatureSubject, meanings: readonly string[], time: number, ttlMs: number): Challenge {
        const challenge: Challenge = {
            challenge: `sig_${randomBytes(24).toString('base64url')}`, session: session.id, user: session.user, subject, meanings: [...meanings],
            created: time, expires: time + ttlMs, used: null,
        };
        this.q.insertChallenge.run({ ...challenge, subject: JSON.stringify(subject), meanings: JSON.stringify(meanings) });
        return challenge;
    }

    challenge(id: string): Challenge | null {
        const row = this.q.challenge.get(id);
        return row ? { ...row, subject: JSON.parse(row.subject), meanings: JSON.parse(row.meanings) } : null;
    }

    /** Marks a challenge used; false when it already was (a replay racing the first use). */
    useChallenge(id: string, time: number): boolean {
        return this.q.useChallenge.run(time, id).changes === 1;
    }

    approve(approval: Omit<Approval, 'hash'>, address: string | null): Approval {
        const signed: Approval = { ...approval, hash: approvalHash(approval) };
        this.db.transaction(() => {
            this.q.insertApproval.run(signed);
            this.logNow({ time: approval.time, type: 'definition-approved', subject: approval.user, actor: approval.user, address, detail: { digest: approval.digest, meaning: approval.meaning, hash: signed.hash } });
        }).immediate();
        return signed;
    }

    /** The approvals of a definition whose hashes still match (an edited row does not count). */
    approvals(digest: string): Approval[] {
        return this.q.approvals.all(digest).filter(a => approvalHash(a) === a.hash);
    }

    log(entry: Omit<SecurityEntry, 'id' | 'prev' | 'hash'>): void {
        this.db.transaction(() => this.logNow(entry)).immediate();
    }

    private logNow(entry: Omit<SecurityEntry, 'id' | 'prev' | 'hash'>): void {
        const prev = this.q.lastSecurity.get() ?? GENESIS;
        // As SQLite will keep them (a lone surrogate would be replaced, and the hash would no longer match).
        const wellFormed = (text: string | null) => (text === null ? null : text.replace(LONE_SURROGATE, '\uFFFD'));
        const unhashed = { ...entry, subject: wellFormed(entry.subject), actor: wellFormed(entry.actor)!, address: wellFormed(entry.address), detail: JSON.parse(JSON.stringify(entry.detail, (_k, v: unknown) => (typeof v === 'string' ? v.replace(LONE_SURROGATE, '\uFFFD') : v))) as Record<string, unknown>, prev };
        this.q.insertSecurity.run({ ...unhashed, detail: JSON.stringify(entry.detail), hash: securityHash(unhashed) });
    }

    securityLog(afterId = 0, limit = 1000): SecurityEntry[] {
        return this.q.security.all(afterId, limit).map(row => ({ ...row, detail: JSON.parse(row.detail) }));
    }

    /** The first entry of the security log whose hash or link does not match, or null when it is intact. */
    verifySecurityLog(): { id: number; message: string } | null {
        let prev = GENESIS;
        for (let after = 0; ;) {
            const rows = this.securityLog(after, 1000);
            if (rows.length === 0) return null;
            for (const row of rows) {
                const { id, hash, ...rest } = row;
                if (row.prev !== prev) return { id, message: `security log entry ${id} does not follow the one before it: an entry was deleted, inserted or reordered` };
                if (securityHash(rest) !== hash) return { id, message: `security log entry ${id} (${row.type}) was changed after it was recorded` };
                prev = hash;
                after = id;
            }
        }
    }

    /** Failed logins and signatures of an account since a time. */
    failuresOf(user: string, since: number): number {
        return this.q.failuresOf.get(user, since) ?? 0;
    }

    /** Failed logins and signatures from an address since a time. */
    failuresFrom(address: string, since: number): number {
        return this.q.failuresFrom.get(address, since) ?? 0;
    }
}
