/**
 * Rules found missing in review, each pinned by a test: who may complete, verify and sign; what a
 * correction or a rework undoes; clocks that must outlive the batch or restart; idempotency keys;
 * and the edges of the command shape. The probe process (fixtures/probe/probe.coil) has what the
 * examples lack: a role signature, a minimum hold ending at a dispatch, a goto past a step.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compilePaths } from '@coil/compiler';
import type { SignedWorkflow } from '@coil/compiler/ir';
import { MemoryStore, Plant, Runtime, VirtualClock, runAutopilot, verifyBatch, type Actor, type CommandBody } from '@coil/runtime';

const root = path.resolve(__dirname, '../..');
const fresh = JSON.parse(fs.readFileSync(path.join(root, 'test/compiler/golden/AutologousFresh.workflow.json'), 'utf8')) as SignedWorkflow;
const H = 3_600_000;
let probe: SignedWorkflow;

beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-probe-'));
    fs.cpSync(path.join(root, 'examples/library'), path.join(dir, 'library'), { recursive: true });
    fs.copyFileSync(path.join(__dirname, 'fixtures/probe/probe.coil'), path.join(dir, 'probe.coil'));
    fs.writeFileSync(path.join(dir, 'coil.json'), '{ "name": "probe", "sources": ["."] }\n');
    const result = await compilePaths([dir]);
    expect(result.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
    probe = result.processes[0].workflow as SignedWorkflow;
    fs.rmSync(dir, { recursive: true, force: true });
});

async function setup(workflow: SignedWorkflow, start = Date.parse(`${workflow.process.effective ?? '2027-01-04'}T08:00:00Z`)) {
    const clock = new VirtualClock(start);
    const runtime = new Runtime({ store: new MemoryStore(), clock });
    const plant = new Plant(runtime, await runtime.load(workflow), 'B1');
    const exec = (body: CommandBody, actor: Actor, reason?: string) => plant.exec(body, actor, { reason });
    const state = async () => (await plant.state())!;
    expect((await exec({ type: 'start-batch', identity: 'W1234 26 000123 3' }, plant.cast.coordinator)).ok).toBe(true);
    return { clock, runtime, plant, exec, state };
}

describe('people', () => {
    it('does not let the verifier also complete the step', async () => {
        const { plant, exec, clock } = await setup(fresh);
        const [op1, op2] = [plant.cast.holder('role:Operator'), plant.cast.holder('role:Operator', 2)];
        const nurse = plant.cast.holder('role:ApheresisNurse');
        await exec({ type: 'start-step', step: 'step:Collect' }, nurse);
        await plant.prepareCompletion('step:Collect');
        await exec({ type: 'complete-step', step: 'step:Collect' }, nurse);
        await plant.prepareTransfer('transfer:ShipApheresis', 'dispatch', nurse);
        await exec({ type: 'dispatch', transfer: 'transfer:ShipApheresis', reading: { value: 5, unit: 'Cel' } }, nurse);
        clock.advance(10 * H);
        await plant.prepareTransfer('transfer:ShipApheresis', 'receipt', op1);
        await exec({ type: 'receive', transfer: 'transfer:ShipApheresis', reading: { value: 5, unit: 'Cel' } }, op1);
        await exec({ type: 'start-step', step: 'step:Select' }, op1);
        expect(await exec({ type: 'verify-step', step: 'step:Select' }, op2)).toMatchObject({ ok: false, code: 'COIL-RT017' });
        await exec({ type: 'record-value', parameter: 'parameter:Select.purity', value: { kind: 'quantity', value: 95, unit: '%' } }, op1);
        await exec({ type: 'scan', identity: 'W1234 26 000123 3', target: 'step:Select' }, op1);
        expect((await exec({ type: 'verify-step', step: 'step:Select' }, op2)).ok).toBe(true);
        // A correction after verification voids it: the second person must look again.
        await exec({ type: 'record-value', parameter: 'parameter:Select.purity', value: { kind: 'quantity', value: 60, unit: '%' } }, op1, 'transcription error');
        expect(await exec({ type: 'complete-step', step: 'step:Select' }, op1)).toMatchObject({ ok: false, code: 'COIL-RT018' });
        expect((await exec({ type: 'verify-step', step: 'step:Select' }, op2)).ok).toBe(true);
        expect(await exec({ type: 'complete-step', step: 'step:Select' }, op2)).toMatchObject({ ok: false, code: 'COIL-RT011' });
        expect((await exec({ type: 'complete-step', step: 'step:Select' }, op1)).ok).toBe(true);
    });

    it('asks for the signature a step names for another role, from someone holding it', async () => {
        const { plant, exec, state } = await setup(probe);
        const nurse = plant.cast.holder('role:ApheresisNurse');
        await exec({ type: 'start-step', step: 'step:Collect' }, nurse);
        await exec({ type: 'record-value', parameter: 'parameter:Collect.volume', value: { kind: 'quantity', value: 250, unit: 'mL' } }, nurse);
        await exec({ type: 'scan', identity: 'W1234 26 000123 3', target: 'step:Collect' }, nurse);
        const unsigned = await exec({ type: 'complete-step', step: 'step:Collect' }, nurse);
        expect(unsigned).toMatchObject({ ok: false, code: 'COIL-RT012' });
        expect(unsigned.ok ? '' : unsigned.reason).toContain('"Collection record reviewed" by a Supervisor');
        expect(await exec({ type: 'sign-step', step: 'step:Collect', meaning: 'Collection record reviewed' }, nurse)).toMatchObject({ ok: false, code: 'COIL-RT009' });
        expect((await exec({ type: 'sign-step', step: 'step:Collect', meaning: 'Collection record reviewed' }, plant.cast.holder('role:Supervisor'))).ok).toBe(true);
        expect((await exec({ type: 'complete-step', step: 'step:Collect' }, nurse)).ok).toBe(true);
        expect((await state()).nodes['step:Collect'].roleSignatures).toEqual(['Collection record reviewed']);
    });

    it('lets only the exceptional release role record the physician\'s acceptance, and only the runtime fire timers', async () => {
        const { plant, exec } = await setup(fresh);
        expect(await exec({ type: 'physician-acceptance', physician: 'Dr. R. Patel' }, plant.cast.holder('role:Operator'))).toMatchObject({ ok: false, code: 'COIL-RT009' });
        expect((await exec({ type: 'physician-acceptance', physician: 'Dr. R. Patel' }, plant.cast.holder('role:QAReviewer'))).ok).toBe(true);
        expect(await exec({ type: 'physician-acceptance', physician: 'Dr. S. Oduya' }, plant.cast.holder('role:QAReviewer'))).toMatchObject({ ok: false, code: 'COIL-RT025' });
        expect(await exec({ type: 'fire-timer', timer: 'timer:vein-to-vein#1' }, plant.cast.coordinator)).toMatchObject({ ok: false, code: 'COIL-RT009' });
    });
});

describe('clocks', () => {
    it('keeps the authority-notification clock running after the batch ends', async () => {
        const result = await runAutopilot(fresh, {
            resultFor: assay => (assay === 'assay:Viability' ? { kind: 'quantity', value: 55, unit: '%' } : undefined),
            onStuck: async (p, s) => {
                if (s.outcome === 'released') return false;
                const qa = p.cast.holder('role:QAReviewer');
                await p.exec({ type: 'physician-acceptance', physician: 'Dr. R. Patel' }, qa);
                return (await p.exec({ type: 'release', exceptional: true }, qa)).ok;
            },
        });
        const s = (await result.plant.state())!;
        expect(s.ended).toBe(true);
        expect(Object.values(s.timers).map(t => t.kind)).toEqual(['authority-notification']);
        (result.runtime.clock as VirtualClock).advance(72 * H);
        const fired = await result.runtime.sweep();
        expect(fired.flatMap(o => o.events.map(e => e.type))).toContain('timer-fired');
    });

    it('enforces a minimum hold that ends at a dispatch, and starts the end-of-step clocks of an accepted failure', async () => {
        const { plant, exec, clock, state } = await setup(probe);
        const nurse = plant.cast.holder('role:ApheresisNurse');
        await exec({ type: 'start-step', step: 'step:Collect' }, nurse);
        clock.advance(3 * H);
        await plant.prepareCompletion('step:Collect');
        expect((await exec({ type: 'complete-step', step: 'step:Collect' }, nurse)).ok).toBe(true);
        await plant.prepareTransfer('transfer:ShipApheresis', 'dispatch', nurse);
        const early = await exec({ type: 'dispatch', transfer: 'transfer:ShipApheresis', reading: { value: 5, unit: 'Cel' } }, nurse);
        expect(early).toMatchObject({ ok: false, code: 'COIL-RT014' });
        clock.advance(2 * H);
        expect((await exec({ type: 'dispatch', transfer: 'transfer:ShipApheresis', reading: { value: 5, unit: 'Cel' } }, nurse)).ok).toBe(true);
        const op = plant.cast.holder('role:Operator');
        clock.advance(10 * H);
        await plant.prepareTransfer('transfer:ShipApheresis', 'receipt', op);
        await exec({ type: 'receive', transfer: 'transfer:ShipApheresis', reading: { value: 5, unit: 'Cel' } }, op);
        await exec({ type: 'start-step', step: 'step:Select' }, op);
        await exec({ type: 'fail-step', step: 'step:Select' }, op);
        await exec({ type: 'disposition', deviation: 'deviation:StepFailed', option: 'continue' }, plant.cast.holder('role:QAReviewer'));
        const s = await state();
        expect(s.nodes['step:Select'].status).toBe('complete');
        expect(Object.keys(s.minimums)).toEqual(['timer:hold:SelectedCells:Select.end:Expand.start:min']);
        // The decision on Select.purity waits for the value the failed run never recorded.
        expect(s.nodes['decision:PurityCheck']?.status ?? 'pending').toBe('pending');
        await exec({ type: 'record-value', parameter: 'parameter:Select.purity', value: { kind: 'quantity', value: 80, unit: '%' } }, op, 'measured on the retained sample');
        expect((await state()).nodes['decision:PurityCheck'].status).toBe('complete');
    });

    it('stops the clocks of what a rework resets', async () => {
        const { plant, exec, clock, state } = await setup(fresh);
        const nurse = plant.cast.holder('role:ApheresisNurse');
        const op = plant.cast.holder('role:Operator');
        const finish = async (step: string, actor: Actor) => {
            clock.advance(24 * H);
            await plant.prepareCompletion(step);
            expect((await exec({ type: 'complete-step', step }, actor)).ok).toBe(true);
        };
        await exec({ type: 'start-step', step: 'step:Collect' }, nurse);
        await finish('step:Collect', nurse);
        await plant.prepareTransfer('transfer:ShipApheresis', 'dispatch', nurse);
        await exec({ type: 'dispatch', transfer: 'transfer:ShipApheresis', reading: { value: 5, unit: 'Cel' } }, nurse);
        await plant.prepareTransfer('transfer:ShipApheresis', 'receipt', op);
        await exec({ type: 'receive', transfer: 'transfer:ShipApheresis', reading: { value: 5, unit: 'Cel' } }, op);
        for (const step of ['step:Select', 'step:Transduce']) {
            expect((await exec({ type: 'start-step', step }, op)).ok).toBe(true);
            await finish(step, op);
        }
        expect((await exec({ type: 'start-step', step: 'step:Expand' }, op)).ok).toBe(true);
        expect(Object.values((await state()).timers).map(t => t.timer)).toContain('timer:step:Expand:max');
        await exec({ type: 'record-value', parameter: 'parameter:Expand.viable_cells', value: { kind: 'quantity', value: 0.5e9, unit: '{cells}' } }, op);
        const rework = await exec({ type: 'disposition', deviation: 'deviation:LowYield', option: 'rework' }, plant.cast.holder('role:QAReviewer'));
        expect(rework.ok).toBe(true);
        const s = await state();
        expect(s.nodes['step:Expand'].status).toBe('pending');
        expect(Object.values(s.timers).map(t => t.timer)).not.toContain('timer:step:Expand:max');
        clock.advance(11 * 24 * H);
        await plant.advanceTo(clock.now() + 1);
        expect(Object.values((await state()).deviations).map(d => d.deviation)).not.toContain('deviation:ExpansionOverrun');
    });
});

describe('QC and release', () => {
    it('does not count results of a sample taken before a rework', async () => {
        const result = await runAutopilot(fresh, {
            valueFor: (p, run) => (p === 'parameter:Formulate.dose' && run === 1 ? { kind: 'quantity', value: 5e6, unit: '{cells}/kg' } : undefined),
            onStuck: async (p, s) => {
                const open = Object.values(s.deviations).find(d => d.status === 'open' && d.deviation === 'deviation:DoseOutOfRange');
                if (!open) return false;
                return (await p.exec({ type: 'disposition', deviation: 'deviation:DoseOutOfRange', option: 'release' }, p.cast.holder('role:QAReviewer'))).ok;
            },
        });
        expect(result.stuck).toBeNull();
        const events = await result.runtime.store.events(result.batch);
        const sample = events.findIndex(e => e.type === 'sample-taken');
        expect(sample).toBeGreaterThan(0);
        expect(Object.keys(replayResults(events.slice(0, sample + 1)))).toEqual([]);
    });

    it('does not count a skipped step as complete for "requires step … complete"', async () => {
        const result = await runAutopilot(probe, {
            valueFor: p => (p === 'parameter:Select.purity' ? { kind: 'quantity', value: 10, unit: '%' } : undefined),
            onStuck: async () => false,
        });
        const refusal = result.plant.issued.filter(i => i.command.type === 'release').at(-1)?.outcome;
        expect(refusal).toMatchObject({ ok: false, code: 'COIL-RT021' });
        expect(refusal && !refusal.ok ? refusal.reason : '').toContain('Expand is not complete (it was skipped)');
    });
});

function replayResults(events: readonly { type: string; data: Record<string, unknown> }[]): Record<string, unknown> {
    const results: Record<string, unknown> = {};
    for (const e of events) {
        if (e.type === 'result-recorded') results[e.data.assay as string] = e.data.value;
        if (e.type === 'sample-taken') for (const a of e.data.assays as string[]) delete results[a];
    }
    return results;
}

describe('commands and keys', () => {
    it('refuses a key used on another batch or for another command, and keys in the runtime\'s namespace', async () => {
        const { runtime, plant } = await setup(fresh);
        const nurse = plant.cast.holder('role:ApheresisNurse');
        expect((await runtime.execute({ type: 'start-step', step: 'step:Collect', batch: 'B1', key: 'k', actor: nurse })).ok).toBe(true);
        expect(await runtime.execute({ type: 'start-batch', identity: 'W1234 26 000123 3', batch: 'B2', key: 'k', actor: nurse }, fresh.digest)).toMatchObject({ ok: false, code: 'COIL-RT030' });
        expect(await runtime.execute({ type: 'scan', identity: 'W1234 26 000123 3', target: null, batch: 'B1', key: 'k', actor: nurse })).toMatchObject({ ok: false, code: 'COIL-RT030' });
        expect(await runtime.execute({ type: 'scan', identity: 'W1234 26 000123 3', target: null, batch: 'B1', key: 'timer:B1:timer:vein-to-vein#1', actor: nurse })).toMatchObject({ ok: false, code: 'COIL-RT030' });
        expect(await runtime.store.batch('B2')).toBeNull();
    });

    it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'])('refuses a command typed %s as malformed', async type => {
        const { runtime, plant } = await setup(fresh);
        expect(await runtime.execute({ type, batch: 'B1', key: `x-${type}`, actor: plant.cast.coordinator } as never)).toMatchObject({ ok: false, code: 'COIL-RT030' });
    });

    it.each(['expired', '31/01/2020', '', '2020-02-30x', '2020-02-30'])('refuses a qualification expiry of %j as malformed', async expires => {
        const { runtime, plant } = await setup(fresh);
        const actor = { ...plant.cast.holder('role:ApheresisNurse'), qualifications: [{ id: 'qualification:Apheresis', expires }] };
        expect(await runtime.execute({ type: 'start-step', step: 'step:Collect', batch: 'B1', key: 'q', actor })).toMatchObject({ ok: false, code: 'COIL-RT030' });
    });

    it.each([['a NUL', 'lot\u0000A'], ['a lone surrogate', 'lot \uD800 A']])('refuses a text with %s, which a store could not keep unchanged', async (_, text) => {
        const { plant, exec, runtime } = await setup(fresh);
        const nurse = plant.cast.holder('role:ApheresisNurse');
        await exec({ type: 'start-step', step: 'step:Collect' }, nurse);
        const before = (await runtime.store.events('B1')).length;
        expect(await exec({ type: 'record-value', parameter: 'parameter:Collect.collected_at', value: { kind: 'text', text } }, nurse)).toMatchObject({ ok: false, code: 'COIL-RT030' });
        expect((await runtime.store.events('B1')).length).toBe(before);
    });

    it('refuses a value too large to convert, and stores texts without extra keys', async () => {
        const { plant, exec, state } = await setup(fresh);
        const nurse = plant.cast.holder('role:ApheresisNurse');
        await exec({ type: 'start-step', step: 'step:Collect' }, nurse);
        expect(await exec({ type: 'record-value', parameter: 'parameter:Collect.volume', value: { kind: 'quantity', value: 1e300, unit: 'km3' } }, nurse)).toMatchObject({ ok: false, code: 'COIL-RT019' });
        const padded = { kind: 'datetime', datetime: '2026-12-01T12:00:00Z', junk: 'x'.repeat(1000) } as never;
        expect((await exec({ type: 'record-value', parameter: 'parameter:Collect.collected_at', value: padded }, nurse)).ok).toBe(true);
        expect((await state()).values['parameter:Collect.collected_at'].value).toEqual({ kind: 'datetime', datetime: '2026-12-01T12:00:00Z' });
    });

    it('finds a signature whose printed name was changed, even with its hash recomputed', async () => {
        const result = await runAutopilot(fresh);
        const events = await result.runtime.store.events(result.batch);
        const signatures = await result.runtime.store.signatures(result.batch);
        const { signatureHash } = await import('@coil/runtime');
        const { hash: _, ...edited } = { ...signatures[0], name: 'Someone Else' };
        const forged = [{ ...edited, hash: signatureHash(edited) }, ...signatures.slice(1)];
        expect(verifyBatch(result.batch, events, forged, null).map(i => i.code)).toEqual(['COIL-AU004', 'COIL-AU005']);
    });
});
