/**
 * Random command sequences against the flagship process: whatever arrives, the runtime never
 * crashes, a refusal writes nothing (but an identity mismatch, which it records), replaying the
 * stored events gives the live state, and the audit trail verifies.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SignedWorkflow } from '@coil/compiler/ir';
import { Cast, MemoryStore, Runtime, VirtualClock, definitionOf, nominalValue, outside, replay, verifyBatch, type Actor, type Command } from '@coil/runtime';

const fresh = JSON.parse(fs.readFileSync(path.join(__dirname, '../compiler/golden/AutologousFresh.workflow.json'), 'utf8')) as SignedWorkflow;
const def = definitionOf(fresh);
const cast = new Cast(def);
const actors: Actor[] = [...fresh.roles.flatMap(r => [cast.holder(r.id, 1), cast.holder(r.id, 2)]), cast.coordinator, { user: 'stranger', name: 'A Stranger', roles: ['role:Operator'] }];
const steps = fresh.steps.map(s => s.id);
const transfers = fresh.transfers.map(t => t.id);
const parameters = fresh.steps.flatMap(s => s.parameters);
const IDENTITY = 'W1234 26 000123 3';

const body = fc.oneof(
    fc.constant({ type: 'start-batch', identity: IDENTITY }),
    fc.constantFrom(...steps).chain(step => fc.constantFrom({ type: 'start-step', step }, { type: 'complete-step', step }, { type: 'fail-step', step }, { type: 'verify-step', step })),
    fc.tuple(fc.constantFrom(...parameters), fc.boolean()).map(([p, good]) => ({
        type: 'record-value', parameter: p.id,
        value: good || p.type.kind !== 'quantity' ? nominalValue(p.type, 0) : { kind: 'quantity', value: outside(p.type.acceptance) ?? -1, unit: p.type.unit },
    })),
    fc.tuple(fc.constantFrom(IDENTITY, 'W1234 26 000124 1', 'garbage'), fc.constantFrom<string | null>(null, ...steps, ...transfers)).map(([identity, target]) => ({ type: 'scan', identity, target })),
    fc.tuple(fc.constantFrom('dispatch', 'receive'), fc.constantFrom(...transfers), fc.constantFrom<number | null>(null, 5, 30, -180)).map(([type, transfer, reading]) => ({ type, transfer, reading: reading === null ? null : { value: reading, unit: 'Cel' } })),
    fc.tuple(fc.constantFrom(...fresh.assays.map(a => a.id)), fc.constantFrom('no_growth', 'growth', 'not_detected')).map(([assay, choice]) => ({ type: 'record-result', assay, value: { kind: 'choice', choice } })),
    fc.tuple(fc.constantFrom(...fresh.deviations.map(d => d.id)), fc.constantFrom('continue', 'rework', 'reject', 'terminate', 'release')).chain(([deviation, option]) => fc.constantFrom({ type: 'raise-deviation', deviation }, { type: 'disposition', deviation, option })),
    fc.constantFrom({ type: 'release', exceptional: false }, { type: 'release', exceptional: true }, { type: 'physician-acceptance', physician: 'Dr. R. Patel' }, { type: 'notify-authority' }, { type: 'reject' }, { type: 'terminate' }),
    fc.anything().map(junk => ({ type: 'record-value', parameter: junk, value: junk })),
    fc.anything(),
);

const step = fc.record({
    body,
    actor: fc.constantFrom(...actors),
    advanceHours: fc.constantFrom(0, 0, 1, 4, 30, 60),
    reason: fc.constantFrom(undefined, 'corrected after review'),
    signed: fc.boolean(),
    repeatKey: fc.boolean(),
});

describe('random command sequences', () => {
    it('never crash, write nothing when refused, replay exactly and verify', async () => {
        await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), async sequence => {
            const clock = new VirtualClock(Date.parse('2026-12-01T08:00:00Z'));
            const store = new MemoryStore();
            const runtime = new Runtime({ store, clock });
            await runtime.load(fresh);
            let n = 0;
            for (const s of sequence) {
                clock.advance(s.advanceHours * 3_600_000);
                await runtime.sweep();
                const key = s.repeatKey && n > 0 ? `k${n - 1}` : `k${n++}`;
                const before = (await store.events('B')).length;
                const signatures = s.signed ? ['Collected by', 'Performed', 'Verified', 'Dispatched', 'Received', 'Released for infusion', 'Formulated', 'Label and fill verified', 'Frozen', 'Labels reconciled', 'Infused', 'Patient and bag identity verified', 'Released out of specification under expanded access'] : [];
                const command = (typeof s.body === 'object' && s.body !== null ? { ...s.body, batch: 'B', key, actor: s.actor, reason: s.reason, signatures } : s.body) as Command;
                const outcome = await runtime.execute(command, fresh.digest);
                const after = (await store.events('B')).length;
                if (!outcome.ok && !outcome.replayed) expect(after - before).toBe(outcome.events.length);
                if (!outcome.ok && outcome.events.length > 0) expect(outcome.code).toBe('COIL-RT015');
                if (outcome.replayed) expect(after).toBe(before);
            }
            const events = await store.events('B');
            const live = await runtime.batch('B');
            expect(replay(events)).toEqual(live?.state);
            const row = await store.batch('B');
            expect(verifyBatch('B', events, await store.signatures('B'), row ? { version: row.version, head: row.head } : null)).toEqual([]);
        }), { numRuns: 150 });
    });
});
