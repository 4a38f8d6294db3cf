/**
 * The engine's rules, through the Runtime on the in-memory store with a virtual clock, on the
 * compiled flagship example (test/compiler/golden/AutologousFresh.workflow.json).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SignedWorkflow } from '@coil/compiler/ir';
import {
    MemoryStore, Plant, Runtime, SYSTEM, VirtualClock, batchStatus, decide, definitionOf, nodeView, replay, verifyBatch,
    type Actor, type CommandBody, type CommandOutcome,
} from '@coil/runtime';

const golden = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '../compiler/golden', `${name}.workflow.json`), 'utf8')) as SignedWorkflow;
const fresh = golden('AutologousFresh');
const H = 3_600_000;
const EPOCH = Date.parse('2026-12-01T08:00:00Z');
const IDENTITY = 'W1234 26 000123 3';

let clock: VirtualClock;
let runtime: Runtime;
let plant: Plant;
let nurse: Actor;
let operator: Actor;
let operator2: Actor;
let qa: Actor;

async function run(body: CommandBody, actor: Actor, reason?: string): Promise<CommandOutcome> {
    return plant.exec(body, actor, { reason });
}

async function state() {
    return (await plant.state())!;
}

beforeEach(async () => {
    clock = new VirtualClock(EPOCH);
    runtime = new Runtime({ store: new MemoryStore(), clock });
    const def = await runtime.load(fresh);
    plant = new Plant(runtime, def, 'B1');
    nurse = plant.cast.holder('role:ApheresisNurse');
    operator = plant.cast.holder('role:Operator');
    operator2 = plant.cast.holder('role:Operator', 2);
    qa = plant.cast.holder('role:QAReviewer');
});

/** Starts the batch and collects, ships and receives the apheresis: Select is then ready. */
async function upToSelect(): Promise<void> {
    expect((await run({ type: 'start-batch', identity: IDENTITY }, plant.cast.coordinator)).ok).toBe(true);
    expect((await run({ type: 'start-step', step: 'step:Collect' }, nurse)).ok).toBe(true);
    clock.advance(4 * H);
    await plant.prepareCompletion('step:Collect');
    expect((await run({ type: 'complete-step', step: 'step:Collect' }, nurse)).ok).toBe(true);
    await plant.prepareTransfer('transfer:ShipApheresis', 'dispatch', nurse);
    expect((await run({ type: 'dispatch', transfer: 'transfer:ShipApheresis', reading: { value: 5, unit: '°C' } }, nurse)).ok).toBe(true);
    clock.advance(20 * H);
    await plant.prepareTransfer('transfer:ShipApheresis', 'receipt', operator);
    expect((await run({ type: 'receive', transfer: 'transfer:ShipApheresis', reading: { value: 6, unit: 'Cel' } }, operator)).ok).toBe(true);
}

describe('starting a batch', () => {
    it('validates the identity in the process format, check character included', async () => {
        const wrong = await run({ type: 'start-batch', identity: 'W1234 26 000123 4' }, plant.cast.coordinator);
        expect(wrong).toMatchObject({ ok: false, code: 'COIL-RT003' });
        expect(wrong.ok ? '' : wrong.reason).toContain("'3' is correct");
        expect(await runtime.store.events('B1')).toHaveLength(0);
        const barcode = await run({ type: 'start-batch', identity: '=W12342600012363' }, plant.cast.coordinator);
        expect(barcode.ok).toBe(true);
        expect((await state()).identity).toBe('W1234260001233');
    });

    it('refuses a version that is not yet effective', async () => {
        clock = new VirtualClock(Date.parse('2026-11-30T08:00:00Z'));
        runtime = new Runtime({ store: new MemoryStore(), clock });
        plant = new Plant(runtime, await runtime.load(fresh), 'B1');
        expect(await run({ type: 'start-batch', identity: IDENTITY }, plant.cast.coordinator)).toMatchObject({ ok: false, code: 'COIL-RT031' });
    });

    it('refuses a workflow whose digest does not match', async () => {
        await expect(runtime.load({ ...fresh, process: { ...fresh.process, version: '9.9.9' } })).rejects.toMatchObject({ code: 'COIL-IR003' });
    });
});

describe('enforcement', () => {
    it('keeps the sequence: a step waits for what precedes it', async () => {
        await run({ type: 'start-batch', identity: IDENTITY }, plant.cast.coordinator);
        const early = await run({ type: 'start-step', step: 'step:Select' }, operator);
        expect(early).toMatchObject({ ok: false, code: 'COIL-RT007' });
        expect(early.ok ? '' : early.reason).toBe('Select cannot start: it waits for ShipApheresis');
        expect(nodeView(plant.def, await state(), 'step:Select', clock.now()).status).toBe('blocked');
    });

    it('checks the role and its qualifications, expiry included', async () => {
        await run({ type: 'start-batch', identity: IDENTITY }, plant.cast.coordinator);
        expect(await run({ type: 'start-step', step: 'step:Collect' }, operator)).toMatchObject({ ok: false, code: 'COIL-RT009' });
        const expired: Actor = { ...nurse, qualifications: nurse.qualifications!.map(q => ({ ...q, expires: '2026-11-01' })) };
        const refused = await run({ type: 'start-step', step: 'step:Collect' }, expired);
        expect(refused).toMatchObject({ ok: false, code: 'COIL-RT010' });
        expect(refused.ok ? '' : refused.reason).toContain('expired 2026-11-01');
        expect((await run({ type: 'start-step', step: 'step:Collect' }, nurse)).ok).toBe(true);
    });

    it('needs the recorded values, the identity scan and the signature before a step completes', async () => {
        await run({ type: 'start-batch', identity: IDENTITY }, plant.cast.coordinator);
        await run({ type: 'start-step', step: 'step:Collect' }, nurse);
        expect(await run({ type: 'complete-step', step: 'step:Collect' }, nurse)).toMatchObject({ ok: false, code: 'COIL-RT017' });
        await run({ type: 'record-value', parameter: 'parameter:Collect.volume', value: { kind: 'quantity', value: 250, unit: 'mL' } }, nurse);
        await run({ type: 'record-value', parameter: 'parameter:Collect.cd3_cells', value: { kind: 'quantity', value: 2e9, unit: '{cells}' } }, nurse);
        await run({ type: 'record-value', parameter: 'parameter:Collect.collected_at', value: { kind: 'datetime', datetime: '2026-12-01T12:00:00Z' } }, nurse);
        expect(await run({ type: 'complete-step', step: 'step:Collect' }, nurse)).toMatchObject({ ok: false, code: 'COIL-RT016' });
        await run({ type: 'scan', identity: IDENTITY, target: 'step:Collect' }, nurse);
        const unsigned = await runtime.execute({ type: 'complete-step', step: 'step:Collect', batch: 'B1', key: 'unsigned', actor: nurse, signatures: [] });
        expect(unsigned).toMatchObject({ ok: false, code: 'COIL-RT012' });
        expect((await run({ type: 'complete-step', step: 'step:Collect' }, nurse)).ok).toBe(true);
        const signature = (await runtime.store.signatures('B1')).at(-1)!;
        expect(signature).toMatchObject({ user: nurse.user, name: nurse.name, meaning: 'Collected by' });
    });

    it('requires second-person verification by a different user', async () => {
        await upToSelect();
        await run({ type: 'start-step', step: 'step:Select' }, operator);
        const self = await run({ type: 'verify-step', step: 'step:Select' }, operator);
        expect(self).toMatchObject({ ok: false, code: 'COIL-RT011' });
        await plant.exec({ type: 'scan', identity: IDENTITY, target: 'step:Select' }, operator);
        await plant.exec({ type: 'record-value', parameter: 'parameter:Select.purity', value: { kind: 'quantity', value: 90, unit: '%' } }, operator);
        expect(await run({ type: 'complete-step', step: 'step:Select' }, operator)).toMatchObject({ ok: false, code: 'COIL-RT018' });
        expect((await run({ type: 'verify-step', step: 'step:Select' }, operator2)).ok).toBe(true);
        expect((await run({ type: 'complete-step', step: 'step:Select' }, operator)).ok).toBe(true);
    });

    it('records an out-of-range value as entered and raises its deviation, never clamping or refusing it', async () => {
        await run({ type: 'start-batch', identity: IDENTITY }, plant.cast.coordinator);
        await run({ type: 'start-step', step: 'step:Collect' }, nurse);
        const low = await run({ type: 'record-value', parameter: 'parameter:Collect.volume', value: { kind: 'quantity', value: 50, unit: 'mL' } }, nurse);
        expect(low.ok).toBe(true);
        expect(low.events.map(e => e.type)).toEqual(['value-recorded', 'deviation-raised', 'notification-sent']);
        const s = await state();
        expect(s.values['parameter:Collect.volume']).toMatchObject({ inRange: false, value: { value: 0.00005, text: '50 mL' } });
        expect(Object.values(s.deviations)).toMatchObject([{ deviation: 'deviation:LowStartingMaterial', status: 'open', trigger: { kind: 'out-of-range' } }]);
    });

    it('asks for a reason to correct a value, and keeps the old one in the trail', async () => {
        await run({ type: 'start-batch', identity: IDENTITY }, plant.cast.coordinator);
        await run({ type: 'start-step', step: 'step:Collect' }, nurse);
        await run({ type: 'record-value', parameter: 'parameter:Collect.volume', value: { kind: 'quantity', value: 250, unit: 'mL' } }, nurse);
        const bare = await run({ type: 'record-value', parameter: 'parameter:Collect.volume', value: { kind: 'quantity', value: 260, unit: 'mL' } }, nurse);
        expect(bare).toMatchObject({ ok: false, code: 'COIL-RT025' });
        const corrected = await run({ type: 'record-value', parameter: 'parameter:Collect.volume', value: { kind: 'quantity', value: 260, unit: 'mL' } }, nurse, 'misread the scale');
        expect(corrected.events[0]).toMatchObject({ reason: 'misread the scale', changes: [{ field: 'Collect.volume', old: '250 mL', new: '260 mL' }] });
    });

    it('refuses a value that does not fit its parameter, and writes nothing', async () => {
        await run({ type: 'start-batch', identity: IDENTITY }, plant.cast.coordinator);
        await run({ type: 'start-step', step: 'step:Collect' }, nurse);
        const before = (await runtime.store.events('B1')).length;
        expect(await run({ type: 'record-value', parameter: 'parameter:Collect.volume', value: { kind: 'quantity', value: 5, unit: 'h' } }, nurse)).toMatchObject({ ok: false, code: 'COIL-RT019' });
        expect(await run({ type: 'record-value', parameter: 'parameter:Collect.nope', value: { kind: 'text', text: 'x' } }, nurse)).toMatchObject({ ok: false, code: 'COIL-RT006' });
        expect((await runtime.store.events('B1')).length).toBe(before);
    });

    it('refuses an identity mismatch, records it, raises the declared deviation and holds the batch', async () => {
        await upToSelect();
        const mismatch = await run({ type: 'scan', identity: 'W1234 26 000124 1', target: 'step:Select' }, operator);
        expect(mismatch).toMatchObject({ ok: false, code: 'COIL-RT015' });
        expect(mismatch.events.map(e => e.type)).toEqual(['identity-mismatch', 'deviation-raised', 'notification-sent']);
        const s = await state();
        expect(batchStatus(s)).toBe('on_hold');
        expect(await run({ type: 'start-step', step: 'step:Select' }, operator)).toMatchObject({ ok: false, code: 'COIL-RT005' });
        expect((await run({ type: 'disposition', deviation: 'deviation:IdentityMismatch', option: 'continue' }, qa)).ok).toBe(true);
        expect(batchStatus(await state())).toBe('in_progress');
    });

    it('does not let quarantined material be used until QA dispositions the deviation', async () => {
        await upToSelect();
        clock.advance(30 * H);
        await plant.advanceTo(clock.now() + 1);
        const s = await state();
        expect(Object.values(s.deviations).map(d => d.deviation)).toEqual(['deviation:HoldExceeded']);
        const blocked = await run({ type: 'start-step', step: 'step:Select' }, operator);
        expect(blocked).toMatchObject({ ok: false, code: 'COIL-RT013' });
        expect(blocked.ok ? '' : blocked.reason).toContain('Apheresis is quarantined by deviation HoldExceeded');
        expect(await run({ type: 'disposition', deviation: 'deviation:HoldExceeded', option: 'continue' }, operator)).toMatchObject({ ok: false, code: 'COIL-RT009' });
        expect(await run({ type: 'disposition', deviation: 'deviation:HoldExceeded', option: 'rework' }, qa)).toMatchObject({ ok: false, code: 'COIL-RT023' });
        expect((await run({ type: 'disposition', deviation: 'deviation:HoldExceeded', option: 'continue' }, qa)).ok).toBe(true);
        expect((await run({ type: 'start-step', step: 'step:Select' }, operator)).ok).toBe(true);
    });

    it('releases only on the declared QC results and with no blocking deviation open, then exceptionally with physician acceptance', async () => {
        const { runAutopilot } = await import('@coil/runtime');
        // Viability out of specification: the normal route is refused, the exceptional one needs the physician.
        const result = await runAutopilot(fresh, {
            resultFor: assay => (assay === 'assay:Viability' ? { kind: 'quantity', value: 55, unit: '%' } : undefined),
            onStuck: async (p, s) => {
                if (s.outcome === 'released' || s.physician) return false;
                const refused = p.issued.filter(i => i.command.type === 'release' && !i.outcome.ok).at(-1)?.outcome;
                expect(refused).toMatchObject({ ok: false, code: 'COIL-RT021' });
                expect(refused && !refused.ok ? refused.reason : '').toContain('Viability failed (55 %)');
                const role = p.def.workflow.release!.exceptional!.role;
                expect(await p.exec({ type: 'release', exceptional: true }, p.cast.holder(role))).toMatchObject({ ok: false, code: 'COIL-RT021' });
                await p.exec({ type: 'physician-acceptance', physician: 'Dr. R. Patel' }, p.cast.holder(role));
                const released = await p.exec({ type: 'release', exceptional: true }, p.cast.holder(role));
                expect(released.ok).toBe(true);
                return true;
            },
        });
        expect(result.stuck).toBeNull();
        const s = (await result.plant.state())!;
        expect(s).toMatchObject({ outcome: 'released', releaseRoute: 'exceptional', physician: { name: 'Dr. R. Patel' } });
        // The authority notification is a timer of its own, raising its deviation when it runs out (48 h).
        expect(Object.values(s.timers).some(t => t.kind === 'authority-notification') || s.ended).toBe(true);
    });
});

describe('timers', () => {
    it('fires a due timer once, with its due time, also when the runtime was down past it', async () => {
        await upToSelect();
        const hold = Object.values((await state()).timers).find(t => t.kind === 'hold-max')!;
        expect(hold.due).toBe(EPOCH + 4 * H + 48 * H);
        clock.set(EPOCH + 400 * H); // down for two weeks
        const fired = await runtime.sweep();
        const types = fired.flatMap(o => o.events.map(e => e.type));
        // Only the hold was due: the shipment arrived in time and the 35-day budget runs on.
        expect(types.filter(t => t === 'timer-fired')).toHaveLength(1);
        expect(Object.values((await state()).timers).map(t => t.kind)).toEqual(['vein-to-vein']);
        const holdEvent = fired.flatMap(o => o.events).find(e => e.type === 'timer-fired' && e.data.kind === 'hold-max')!;
        expect(holdEvent.data.due).toBe(hold.due);
        expect(holdEvent.time).toBe(EPOCH + 400 * H);
        expect(await runtime.sweep()).toEqual([]);
        const again = await runtime.fire({ batch: 'B1', key: hold.key, timer: hold.timer, due: hold.due });
        expect(again).toMatchObject({ ok: true, replayed: true });
        expect((await runtime.store.events('B1')).filter(e => e.type === 'timer-fired')).toHaveLength(1);
    });

    it('blocks a step until its minimum hold has passed', async () => {
        const short = golden('ShortCycle');
        const result = await import('@coil/runtime').then(r => r.runScenario(short, short.scenarios.find(s => s.title.startsWith('harvest before 20 h'))!));
        expect(result.failure).toBeNull();
        const refusal = result.plant.issued.find(i => !i.outcome.ok && i.command.type === 'start-step');
        expect(refusal?.outcome).toMatchObject({ code: 'COIL-RT014' });
    });
});

describe('idempotency and replay', () => {
    it('returns the first outcome for a repeated key and writes nothing new', async () => {
        await run({ type: 'start-batch', identity: IDENTITY }, plant.cast.coordinator);
        const command = { type: 'start-step' as const, step: 'step:Collect', batch: 'B1', key: 'same-key', actor: nurse };
        const first = await runtime.execute(command);
        const second = await runtime.execute(command);
        expect(first).toMatchObject({ ok: true, replayed: false });
        expect(second).toMatchObject({ ok: true, replayed: true });
        expect(second.events).toEqual(first.events);
        expect((await runtime.store.events('B1')).length).toBe(2);
    });

    it('rebuilds the state exactly from the events, and decide is pure', async () => {
        const { runAutopilot } = await import('@coil/runtime');
        const result = await runAutopilot(fresh);
        const events = await result.runtime.store.events(result.batch);
        const live = (await result.plant.state())!;
        expect(replay(events)).toEqual(live);
        expect(verifyBatch(result.batch, events, await result.runtime.store.signatures(result.batch), null)).toEqual([]);
        const def = definitionOf(fresh);
        const command = { type: 'start-step' as const, step: 'step:Collect', batch: 'X', key: 'k', actor: nurse };
        const start = decide(def, undefined, { type: 'start-batch', identity: IDENTITY, batch: 'X', key: 's', actor: SYSTEM }, EPOCH);
        const s0 = replay(start.events)!;
        expect(decide(def, s0, command, EPOCH + H)).toEqual(decide(def, s0, command, EPOCH + H));
    });
});
