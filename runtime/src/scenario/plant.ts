/**
 * A diligent plant: the routine a process requires and people do without being told. Before a
 * step completes, its values are recorded, its label scanned and its second person has verified;
 * before a transfer leaves or arrives, its label is scanned; every command carries the signatures
 * its record needs. The scenario runner fills in what a scenario does not say with this, and the
 * autopilot (`coil run` without a scenario) drives a whole batch with it. Each command it issues
 * is marked `auto` in the timeline.
 */
import type { Id, ParameterType, QcTest, Range, ResultType } from '@coil/compiler/ir';
import { TRANSFER_MEANINGS } from '../engine/decide.js';
import type { Definition } from '../engine/definition.js';
import { nodeOf } from '../engine/evolve.js';
import type { BatchState } from '../engine/state.js';
import type { Actor, Command, CommandBody, Value } from '../engine/types.js';
import type { VirtualClock } from '../clock.js';
import { fireCommand, type CommandOutcome, type Runtime } from '../runtime.js';
import { Cast } from './cast.js';
import { inDisplayUnit } from '../engine/values.js';
import { eventLine, offsetText, type TimelineLine } from './timeline.js';

/** What a command is about, in the process's names. */
export function commandTarget(def: Definition, c: Command): string {
    const d = c as unknown as Record<string, unknown>;
    const id = (d.step ?? d.transfer ?? d.parameter ?? d.assay ?? d.deviation ?? d.qc ?? d.target ?? d.timer ?? '') as string;
    return id ? def.name(id) : '';
}

/**
 * How the plant's commands reach a runtime: by default its own `execute`; the server's tests send
 * them over HTTP instead, as the people of the cast, signing in and signing.
 */
export type Executor = (command: Command, digest: string) => Promise<CommandOutcome>;

export interface Issued {
    readonly command: Command;
    readonly outcome: CommandOutcome;
    /** Filled in by the plant, not written in the scenario. */
    readonly auto: boolean;
    /** The clock when it was issued. */
    readonly time: number;
}

export class Plant {
    readonly cast: Cast;
    readonly issued: Issued[] = [];
    private counter = 0;

    constructor(readonly runtime: Runtime, readonly def: Definition, readonly batch: string, private readonly keyPrefix = batch, private readonly executor?: Executor) {
        this.cast = new Cast(def);
    }

    async state(): Promise<BatchState | undefined> {
        return (await this.runtime.batch(this.batch))?.state;
    }

    async exec(body: CommandBody, actor: Actor, options: { auto?: boolean; reason?: string | null } = {}): Promise<CommandOutcome> {
        const command = { ...body, batch: this.batch, key: `${this.keyPrefix}:${++this.counter}`, actor, reason: options.reason ?? null, signatures: this.signaturesFor(body) } as Command;
        const outcome = await (this.executor ?? ((c, digest) => this.runtime.execute(c, digest)))(command, this.def.digest);
        this.issued.push({ command, outcome, auto: options.auto ?? false, time: this.runtime.clock.now() });
        return outcome;
    }

    /**
     * Moves a virtual clock to `time`, firing every timer of the batch due before it, in due order,
     * each at its due time (a timer due exactly at `time` fires when the clock passes it).
     */
    async advanceTo(time: number): Promise<void> {
        const clock = this.runtime.clock as VirtualClock;
        for (;;) {
            const next = await this.runtime.nextDue(this.batch);
            if (!next || next.due >= time) break;
            if (next.due > clock.now()) clock.set(next.due);
            const outcome = await this.runtime.fire(next);
            this.issued.push({ command: fireCommand(next), outcome, auto: true, time: clock.now() });
        }
        if (time > clock.now()) clock.set(time);
    }

    /** The batch's timeline: its events, and the refusals of what was tried, in order. */
    timeline(start: number): TimelineLine[] {
        const lines: TimelineLine[] = [];
        for (const issued of this.issued) {
            for (const e of issued.outcome.events) lines.push(eventLine(this.def, start, e, issued.auto));
            if (!issued.outcome.ok && !issued.outcome.replayed) {
                lines.push({ time: issued.time, offset: offsetText(issued.time - start), who: issued.command.actor.name, text: `${issued.command.type} ${commandTarget(this.def, issued.command)}: ${issued.outcome.reason} [${issued.outcome.code}]`, kind: 'refused', auto: issued.auto, notable: true });
            }
        }
        return lines;
    }

    /** The meanings a command's record must be signed with. */
    signaturesFor(body: CommandBody): string[] {
        switch (body.type) {
            case 'complete-step': {
                const step = this.def.steps.get(body.step);
                return step ? step.signatures.filter(s => s.by === 'performer' || s.by === step.performer).map(s => s.meaning) : [];
            }
            case 'verify-step':
                return this.def.steps.get(body.step)?.signatures.filter(s => s.by === 'verifier').map(s => s.meaning) ?? [];
            case 'sign-step': return [body.meaning];
            case 'dispatch': return [TRANSFER_MEANINGS.dispatch];
            case 'receive': return [TRANSFER_MEANINGS.receipt];
            case 'release': {
                const release = this.def.workflow.release;
                return [...((body.exceptional ? release?.exceptional?.signatures : release?.signatures) ?? [])];
            }
            default: return [];
        }
    }

    /** Who performs a step now: whoever started it, else the first holder of its role. */
    performerOf(state: BatchState | undefined, step: Id): Actor {
        const user = state ? nodeOf(state, step).performer : null;
        const role = this.def.steps.get(step)?.performer ?? null;
        const started = this.issued.find(i => i.command.actor.user === user)?.command.actor;
        return started ?? this.cast.holder(role);
    }

    /** Records what is still unrecorded, scans the label and has the second person verify: a step ready to complete. */
    async prepareCompletion(stepId: Id): Promise<void> {
        const step = this.def.steps.get(stepId);
        let state = await this.state();
        if (!step || !state || nodeOf(state, stepId).status !== 'running') return;
        const node = nodeOf(state, stepId);
        const performer = this.performerOf(state, stepId);
        for (const parameter of step.parameters) {
            if (state.values[parameter.id]?.run === node.run) continue;
            await this.exec({ type: 'record-value', parameter: parameter.id, value: nominalValue(parameter.type, this.runtime.clock.now()) }, performer, { auto: true });
        }
        state = (await this.state())!;
        if (step.identityChecks.length > 0) {
            const scanners = new Set(nodeOf(state, stepId).scans.filter(s => s.point === 'step').map(s => s.user));
            if (scanners.size === 0) {
                await this.exec({ type: 'scan', identity: state.identity, target: stepId }, performer, { auto: true });
                scanners.add(performer.user);
            }
            if (step.identityChecks.some(c => c.independent) && scanners.size < 2) {
                const second = this.cast.other(step.verifier?.role ?? step.performer, performer.user);
                await this.exec({ type: 'scan', identity: state.identity, target: stepId }, second, { auto: true });
            }
        }
        state = (await this.state())!;
        for (const signature of step.signatures) {
            if (!signature.by.startsWith('role:') || signature.by === step.performer || nodeOf(state, stepId).roleSignatures.includes(signature.meaning)) continue;
            await this.exec({ type: 'sign-step', step: stepId, meaning: signature.meaning }, this.cast.other(signature.by, nodeOf(state, stepId).performer), { auto: true });
        }
        state = (await this.state())!;
        if (step.verifier && !nodeOf(state, stepId).verifiedBy) {
            await this.exec({ type: 'verify-step', step: stepId }, this.cast.other(step.verifier.role, nodeOf(state, stepId).performer), { auto: true });
        }
    }

    /** Scans the label at a transfer's dispatch or receipt when the transfer verifies identity there and nobody has. */
    async prepareTransfer(transferId: Id, point: 'dispatch' | 'receipt', actor: Actor): Promise<void> {
        const transfer = this.def.transfers.get(transferId);
        const state = await this.state();
        if (!transfer || !state || !transfer.verifyIdentityAt.includes(point)) return;
        if (nodeOf(state, transferId).scans.some(s => s.point === point)) return;
        const status = nodeOf(state, transferId).status;
        if ((point === 'dispatch' && status !== 'pending') || (point === 'receipt' && status !== 'running')) return;
        await this.exec({ type: 'scan', identity: state.identity, target: transferId }, actor, { auto: true });
    }
}

/** A value inside a parameter's acceptance: the middle of a closed range, just inside an open one. */
export function nominalValue(type: ParameterType, now: number): Value {
    switch (type.kind) {
        case 'quantity': return { kind: 'quantity', value: inDisplayUnit(inside(type.acceptance), type.display), unit: type.display };
        case 'choice': return { kind: 'choice', choice: type.expected[0] ?? type.choices[0] };
        case 'text': return { kind: 'text', text: 'as per batch record' };
        case 'datetime': return { kind: 'datetime', datetime: new Date(now).toISOString() };
    }
}

/** A result that meets a test's specification. */
export function nominalResult(test: QcTest, result: ResultType | null): Value {
    if (test.spec.kind === 'choice') return { kind: 'choice', choice: test.spec.choice };
    if (result?.kind === 'quantity') return { kind: 'quantity', value: inDisplayUnit(inside(test.spec.range), result.display), unit: result.display };
    const unit = test.spec.range.min?.unit ?? test.spec.range.max?.unit ?? '1';
    return { kind: 'quantity', value: inside(test.spec.range), unit };
}

/** A number inside a range (canonical units). */
export function inside(range: Range | null): number {
    const min = range?.min?.value;
    const max = range?.max?.value;
    if (min !== undefined && max !== undefined) return Number(((min + max) / 2).toPrecision(12));
    if (min !== undefined) return min === 0 ? 1 : Number((min + Math.abs(min) * 0.2).toPrecision(12));
    if (max !== undefined) return max === 0 ? -1 : Number((max - Math.abs(max) * 0.5).toPrecision(12));
    return 1;
}

/** A number outside a range, to drive a value out of specification. */
export function outside(range: Range | null): number | null {
    const min = range?.min?.value;
    const max = range?.max?.value;
    if (min !== undefined) return min === 0 ? -1 : Number((min - Math.abs(min) * 0.5).toPrecision(12));
    if (max !== undefined) return max === 0 ? 1 : Number((max + Math.abs(max) * 0.5).toPrecision(12));
    return null;
}
