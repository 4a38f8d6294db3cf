/**
 * The audit trail's integrity (21 CFR 11.10(e), 11.70; Annex 11 §9): events are hash-chained per
 * batch, each hash over the RFC 8785 canonical JSON of the event with its predecessor's hash; a
 * signature is a record of its own, bound to the hash of the event it signs. `verifyBatch` finds
 * any edited, deleted, inserted or reordered event and any signature moved to another record.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '@coil/compiler/ir';
import type { EventDraft, RecordedEvent } from './engine/types.js';

export const GENESIS = `sha256:${'0'.repeat(64)}`;

export interface StoredSignature {
    readonly batch: string;
    /** The event it signs. */
    readonly seq: number;
    readonly user: string;
    readonly name: string;
    readonly meaning: string;
    readonly time: number;
    /** The hash of the signed event: the binding. */
    readonly signed: string;
    /** Over all of the above. */
    readonly hash: string;
}

function sha256(text: string): string {
    return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

export function eventHash(e: Omit<RecordedEvent, 'hash'>): string {
    return sha256(canonicalJson({
        batch: e.batch, seq: e.seq, type: e.type, time: e.time, user: e.user, name: e.name, role: e.role, reason: e.reason,
        data: e.data, changes: e.changes, signatures: e.signatures, command: e.command, prev: e.prev,
    }));
}

export function signatureHash(s: Omit<StoredSignature, 'hash'>): string {
    return sha256(canonicalJson({ batch: s.batch, seq: s.seq, user: s.user, name: s.name, meaning: s.meaning, time: s.time, signed: s.signed }));
}

/** Numbers and chains drafts after the batch's head; returns the events and their signature records. */
export function chain(batch: string, head: string, version: number, drafts: readonly EventDraft[], command: string | null): { events: RecordedEvent[]; signatures: StoredSignature[] } {
    const events: RecordedEvent[] = [];
    const signatures: StoredSignature[] = [];
    let prev = head;
    let seq = version;
    for (const draft of drafts) {
        seq += 1;
        const unhashed = { ...draft, batch, seq, command, prev };
        const event: RecordedEvent = { ...unhashed, hash: eventHash(unhashed) };
        events.push(event);
        for (const s of draft.signatures) {
            const record = { batch, seq, user: s.user, name: s.name, meaning: s.meaning, time: s.time, signed: event.hash };
            signatures.push({ ...record, hash: signatureHash(record) });
        }
        prev = event.hash;
    }
    return { events, signatures };
}

export interface VerifyIssue {
    readonly batch: string;
    /** The first event (or the signature's event) where the trail stops being trustworthy. */
    readonly seq: number | null;
    readonly code: 'COIL-AU001' | 'COIL-AU002' | 'COIL-AU003' | 'COIL-AU004' | 'COIL-AU005';
    readonly message: string;
}

export const AUDIT_CODES = {
    'COIL-AU001': 'an event was edited: its hash does not match its content',
    'COIL-AU002': 'the chain is broken: an event was deleted, inserted or reordered',
    'COIL-AU003': 'the batch head does not match its last event: events were deleted or appended outside the runtime',
    'COIL-AU004': 'a signature was edited or moved to another record',
    'COIL-AU005': 'a signature shown on a record is missing',
} as const;

/**
 * Checks one batch's events (in stored order), its signatures, and its head (the version and hash
 * the store keeps beside the batch). Returns the problems found, the first bad event first.
 */
export function verifyBatch(batch: string, events: readonly RecordedEvent[], signatures: readonly StoredSignature[], head: { version: number; head: string } | null): VerifyIssue[] {
    const issues: VerifyIssue[] = [];
    let prev = GENESIS;
    let expectedSeq = 1;
    for (const event of events) {
        const { hash, ...rest } = event;
        if (event.seq !== expectedSeq || event.prev !== prev) {
            issues.push({ batch, seq: event.seq, code: 'COIL-AU002', message: `event ${event.seq} (${event.type}) does not follow event ${expectedSeq - 1}: ${event.seq !== expectedSeq ? `sequence number ${expectedSeq} expected` : 'its previous hash does not match'}` });
            break;
        }
        if (eventHash(rest) !== hash) {
            issues.push({ batch, seq: event.seq, code: 'COIL-AU001', message: `event ${event.seq} (${event.type}) was changed after it was recorded: its hash does not match its content` });
            break;
        }
        prev = hash;
        expectedSeq += 1;
    }
    if (issues.length === 0 && head && (head.version !== events.length || head.head !== prev)) {
        issues.push({ batch, seq: events.length, code: 'COIL-AU003', message: `the batch head names version ${head.version} (${head.head.slice(0, 19)}…), but the trail ends at event ${events.length} (${prev.slice(0, 19)}…)` });
    }
    // Each signature record must match one signature shown on its event, and each shown one a record:
    // a record added beside a real event (its hash recomputed, no secret needed) is as bad as one removed.
    const bySeq = new Map(events.map(e => [e.seq, e]));
    const key = (seq: number, m: { user: string; name: string; meaning: string; time: number }) => JSON.stringify([seq, m.user, m.name, m.meaning, m.time]);
    const shown = new Map<string, number>();
    for (const event of events) for (const m of event.signatures) shown.set(key(event.seq, m), (shown.get(key(event.seq, m)) ?? 0) + 1);
    for (const s of signatures) {
        const { hash, ...rest } = s;
        const event = bySeq.get(s.seq);
        const k = key(s.seq, s);
        if (signatureHash(rest) !== hash || !event || event.hash !== s.signed) {
            issues.push({ batch, seq: s.seq, code: 'COIL-AU004', message: `the signature "${s.meaning}" by ${s.name} is not bound to event ${s.seq}: it was edited or moved from another record` });
        } else if ((shown.get(k) ?? 0) === 0) {
            issues.push({ batch, seq: s.seq, code: 'COIL-AU004', message: `the signature "${s.meaning}" by ${s.name} is not shown on event ${s.seq} (${event.type}): it was added outside the runtime` });
        } else {
            shown.set(k, shown.get(k)! - 1);
        }
    }
    for (const event of events) {
        for (const m of event.signatures) {
            const k = key(event.seq, m);
            if ((shown.get(k) ?? 0) > 0) {
                shown.set(k, shown.get(k)! - 1);
                issues.push({ batch, seq: event.seq, code: 'COIL-AU005', message: `event ${event.seq} (${event.type}) shows the signature "${m.meaning}" by ${m.name}, but its signature record is missing or invalid` });
            }
        }
    }
    return issues;
}
