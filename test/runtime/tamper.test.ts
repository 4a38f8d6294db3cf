/**
 * Tampering with a SQLite batch record outside the runtime, as someone holding the file would:
 * drop the append-only triggers, turn foreign keys off, change rows. Each attack runs on a fresh
 * copy of one real batch, and `Runtime.verify` must name it with the right code and event.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventHash, Runtime, signatureHash, SqliteStore, VirtualClock, type RecordedEvent, type StoredSignature, type VerifyIssue } from '@coil/runtime';
import { collectCommands, command, IDENTITY, NURSE, OPERATOR, T0, WORKFLOW } from './store-conformance.js';

const BATCH = 'B-TAMPER';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-tamper-'));
const original = path.join(dir, 'original.db');
let copies = 0;

/** The batch as recorded, read back before any attack. */
let events: RecordedEvent[];
let signatures: StoredSignature[];

beforeAll(async () => {
    const store = SqliteStore.open(original);
    const clock = new VirtualClock(T0);
    const runtime = new Runtime({ store, clock });
    await runtime.load(WORKFLOW);
    const steps: Array<[Parameters<typeof command>[0], typeof NURSE, string[]?]> = [
        ...collectCommands(T0).map(body => [body, NURSE] as [Parameters<typeof command>[0], typeof NURSE]),
        [{ type: 'scan', identity: IDENTITY, target: 'transfer:ShipApheresis' }, NURSE],
        [{ type: 'dispatch', transfer: 'transfer:ShipApheresis', reading: { value: 4, unit: 'Cel' } }, NURSE, ['Dispatched']],
        [{ type: 'scan', identity: IDENTITY, target: 'transfer:ShipApheresis' }, OPERATOR],
        [{ type: 'receive', transfer: 'transfer:ShipApheresis', reading: { value: 5, unit: 'Cel' } }, OPERATOR, ['Received']],
        [{ type: 'start-step', step: 'step:Select' }, OPERATOR],
    ];
    for (const [i, [body, actor, meanings]] of steps.entries()) {
        const outcome = await runtime.execute(command(body, BATCH, `k${i + 1}`, actor, meanings ? { signatures: meanings } : {}), WORKFLOW.digest);
        expect(outcome.ok, `${body.type}: ${outcome.ok ? '' : outcome.reason}`).toBe(true);
        clock.advance(10 * 60_000);
    }
    events = await store.events(BATCH);
    signatures = await store.signatures(BATCH);
    await store.close();
});

afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Applies `attack` to a fresh copy of the record, as an attacker would (triggers dropped, foreign
 * keys off), and returns what the runtime's verification finds. The attack returns how many rows
 * it changed, so that one that changes nothing fails the test instead of passing it.
 */
async function tampered(attack: (db: Database.Database) => number): Promise<VerifyIssue[]> {
    const copy = path.join(dir, `copy-${++copies}.db`);
    fs.copyFileSync(original, copy);
    const db = new Database(copy);
    db.pragma('foreign_keys = OFF');
    for (const trigger of ['events_no_update', 'events_no_delete', 'signatures_no_update', 'signatures_no_delete']) db.exec(`DROP TRIGGER ${trigger}`);
    expect(attack(db)).toBeGreaterThan(0);
    db.close();
    const store = SqliteStore.open(copy);
    try {
        return await new Runtime({ store, clock: new VirtualClock(T0) }).verify(BATCH);
    } finally {
        await store.close();
    }
}

const issues = (found: readonly VerifyIssue[]) => found.map(i => `${i.code}@${i.seq}`);

/** Renumbers events and signatures from `seq` on by `by`, through a range no real seq uses. */
function shift(db: Database.Database, seq: number, by: number): number {
    let changed = 0;
    for (const table of ['events', 'signatures']) {
        changed += db.prepare(`UPDATE ${table} SET seq = seq + 1000 WHERE batch = ? AND seq >= ?`).run(BATCH, seq).changes;
        db.prepare(`UPDATE ${table} SET seq = seq - 1000 + ? WHERE batch = ? AND seq >= 1000`).run(by, BATCH);
    }
    return changed;
}

describe('tampering with a SQLite batch record', () => {
    it('records a real batch with signed events, and an untouched copy verifies clean', async () => {
        expect(events.map(e => e.type)).toEqual([
            'batch-started', 'step-started', 'identity-verified', 'value-recorded', 'value-recorded', 'value-recorded', 'step-completed',
            'identity-verified', 'transfer-dispatched', 'identity-verified', 'transfer-received', 'step-started',
        ]);
        expect(signatures.map(s => [s.seq, s.meaning])).toEqual([[7, 'Collected by'], [9, 'Dispatched'], [11, 'Received']]);
        expect(await tampered(db => db.prepare('SELECT count(*) FROM events').pluck().get() as number)).toEqual([]);
    });

    it('finds an edited event (COIL-AU001)', async () => {
        const found = await tampered(db => db.prepare("UPDATE events SET data = json_set(data, '$.value.value', 0.0005) WHERE batch = ? AND seq = 4").run(BATCH).changes);
        expect(issues(found)).toEqual(['COIL-AU001@4']);
        expect(found[0].message).toMatch(/event 4 \(value-recorded\) was changed/);
    });

    it('finds a deleted event in the middle (COIL-AU002)', async () => {
        const found = await tampered(db => db.prepare('DELETE FROM events WHERE batch = ? AND seq = 5').run(BATCH).changes);
        expect(issues(found)).toEqual(['COIL-AU002@6']);
    });

    it('finds a deleted last event by the batch head (COIL-AU003)', async () => {
        const found = await tampered(db => db.prepare('DELETE FROM events WHERE batch = ? AND seq = 12').run(BATCH).changes);
        expect(issues(found)).toEqual(['COIL-AU003@11']);
    });

    it('finds a forged event inserted with a hash of its own (COIL-AU002)', async () => {
        const found = await tampered(db => {
            // Make room at 6, move the signatures along (re-hashed), and insert a well-formed event.
            let changed = shift(db, 6, 1);
            for (const s of signatures.filter(x => x.seq >= 6)) {
                const moved = { ...s, seq: s.seq + 1 };
                const { hash: _, ...rest } = moved;
                changed += db.prepare('UPDATE signatures SET hash = ? WHERE batch = ? AND seq = ?').run(signatureHash(rest), BATCH, moved.seq).changes;
            }
            const { hash: _, ...forged } = { ...events[4], seq: 6, data: { ...events[4].data, value: { kind: 'quantity', value: 0.0003, unit: 'm3', text: '300 mL' } }, prev: events[4].hash };
            const row = { ...forged, hash: eventHash(forged), data: JSON.stringify(forged.data), changes: JSON.stringify(forged.changes), signatures: JSON.stringify(forged.signatures) };
            changed += db.prepare(`INSERT INTO events (batch, seq, type, time, user, name, role, reason, data, changes, signatures, command, prev, hash)
                VALUES (@batch, @seq, @type, @time, @user, @name, @role, @reason, @data, @changes, @signatures, @command, @prev, @hash)`).run(row).changes;
            return changed;
        });
        expect(issues(found)).toEqual(['COIL-AU002@7']);
    });

    it('finds two events swapped (COIL-AU002)', async () => {
        const found = await tampered(db => {
            const move = db.prepare('UPDATE events SET seq = ? WHERE batch = ? AND seq = ?');
            return move.run(1004, BATCH, 4).changes + move.run(4, BATCH, 5).changes + move.run(5, BATCH, 1004).changes;
        });
        expect(issues(found)).toEqual(['COIL-AU002@4']);
    });

    it('finds a signature moved to another event, even re-hashed (COIL-AU004 and COIL-AU005)', async () => {
        const found = await tampered(db => {
            const { hash: _, ...moved } = { ...signatures[0], seq: 9 };
            return db.prepare('UPDATE signatures SET seq = 9, hash = ? WHERE batch = ? AND seq = 7').run(signatureHash(moved), BATCH).changes;
        });
        // Bound to event 7's hash, it does not sign event 9; and event 7 has lost its signature.
        expect(issues(found)).toEqual(['COIL-AU004@9', 'COIL-AU005@7']);
        expect(found[0].message).toMatch(/"Collected by" by N\. Jones is not bound to event 9/);
    });

    it('finds an edited signature meaning (COIL-AU004)', async () => {
        const found = await tampered(db => db.prepare("UPDATE signatures SET meaning = 'Approved' WHERE batch = ? AND seq = 7").run(BATCH).changes);
        // The edited record is invalid, so the event's "Collected by" has no valid record either.
        expect(issues(found)).toEqual(['COIL-AU004@7', 'COIL-AU005@7']);
    });

    it('finds an edited signature meaning even with its hash recomputed (COIL-AU004 and COIL-AU005)', async () => {
        const found = await tampered(db => {
            const { hash: _, ...edited } = { ...signatures[0], meaning: 'Approved' };
            return db.prepare("UPDATE signatures SET meaning = 'Approved', hash = ? WHERE batch = ? AND seq = 7").run(signatureHash(edited), BATCH).changes;
        });
        expect(issues(found)).toEqual(['COIL-AU004@7', 'COIL-AU005@7']);
    });

    it('finds a signature record added beside a real event, hash recomputed (COIL-AU004)', async () => {
        const found = await tampered(db => {
            const event = events[11];
            const forged = { batch: BATCH, seq: event.seq, user: 'qa.reviewer.1', name: 'QA Reviewer 1', meaning: 'Released for infusion', time: event.time, signed: event.hash };
            return db.prepare('INSERT INTO signatures (batch, seq, user, name, meaning, time, signed, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
                .run(forged.batch, forged.seq, forged.user, forged.name, forged.meaning, forged.time, forged.signed, signatureHash(forged)).changes;
        });
        expect(issues(found)).toEqual([`COIL-AU004@${events[11].seq}`]);
        expect(found[0].message).toContain('not shown on event');
    });

    it('finds a duplicated signature record (COIL-AU004)', async () => {
        const found = await tampered(db => db.prepare('INSERT INTO signatures (batch, seq, user, name, meaning, time, signed, hash) SELECT batch, seq, user, name, meaning, time, signed, hash FROM signatures WHERE batch = ? AND seq = 9').run(BATCH).changes);
        expect(issues(found)).toEqual(['COIL-AU004@9']);
    });

    it('finds a deleted signature record (COIL-AU005)', async () => {
        const found = await tampered(db => db.prepare('DELETE FROM signatures WHERE batch = ? AND seq = 9').run(BATCH).changes);
        expect(issues(found)).toEqual(['COIL-AU005@9']);
        expect(found[0].message).toMatch(/event 9 \(transfer-dispatched\) shows the signature "Dispatched"/);
    });
});
