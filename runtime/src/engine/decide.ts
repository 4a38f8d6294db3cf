/**
 * `decide(definition, state, command, now)`: what a command does to a batch, as events, or why it
 * is refused. Pure: the same inputs give the same answer, on any machine. What follows from a
 * command without anyone acting (a decision taken, nodes skipped, the end reached, a deviation
 * raised by an out-of-range value) is decided here too, as further events attributed to the runtime.
 */
import type { DispositionOption, Id, Outcome, Range, Requirement, Step, Timer, Transfer } from '@coil/compiler/ir';
import { identityFormat } from '@coil/language/identity';
import { REFUSALS, type RefusalCode } from './codes.js';
import { commandProblem } from './command-shape.js';
import { pointOf, type Definition, type EventPoint } from './definition.js';
import { evolve, nodeOf, type TimerEffects } from './evolve.js';
import type { ActiveTimer, BatchState, DeviationState, StoredValue, TriggerKind } from './state.js';
import { SYSTEM, type Actor, type Change, type Command, type Decision, type EventDraft, type SignatureManifest } from './types.js';
import { acceptable, convertForAssay, convertForParameter, describe, holds, inRange, meetsSpec, toCanonical } from './values.js';
import { batchStatus, describeNode, holding, minimumMessage, quarantining, waitingFor } from './views.js';

/** The meanings a transfer's sender and receiver sign with. */
export const TRANSFER_MEANINGS = { dispatch: 'Dispatched', receipt: 'Received' } as const;

class Refusal extends Error {
    constructor(readonly code: RefusalCode, reason: string, readonly keep = false) {
        super(reason);
    }
}

function refuse(code: RefusalCode, reason: string): never {
    throw new Refusal(code, reason);
}

export function decide(def: Definition, state: BatchState | undefined, command: Command, now: number): Decision {
    return decideWithState(def, state, command, now).decision;
}

/**
 * `decide`, also returning the state its events lead to (folded with `evolve` as it decided), so
 * that a caller need not fold the same events again.
 */
export function decideWithState(def: Definition, state: BatchState | undefined, command: Command, now: number): { decision: Decision; state: BatchState | undefined } {
    const problem = commandProblem(command);
    if (problem) return { decision: { ok: false, code: 'COIL-RT030', reason: problem, events: [] }, state };
    const ctx = new Context(def, state, command, now);
    const decision = decideIn(ctx, command, state);
    return { decision, state: decision.events.length > 0 ? ctx.state : state };
}

function decideIn(ctx: Context, command: Command, state: BatchState | undefined): Decision {
    const def = ctx.def;
    try {
        const handler = HANDLERS[command.type] as (ctx: Context, c: Command) => void;
        if (command.type !== 'start-batch') {
            if (!state) refuse('COIL-RT001', `batch ${command.batch} has not been started`);
            if (state.definition !== def.digest) refuse('COIL-RT032', `batch ${command.batch} runs on definition ${state.definition}, not ${def.digest}`);
        }
        handler(ctx, command);
        ctx.cascade();
        return { ok: true, events: ctx.events };
    } catch (error) {
        if (error instanceof Refusal) return { ok: false, code: error.code, reason: error.message, events: error.keep ? ctx.events : [] };
        throw error;
    }
}

interface EmitOptions {
    readonly changes?: readonly Change[];
    readonly actor?: Actor;
    readonly role?: string | null;
    readonly signatures?: readonly string[];
}

class Context {
    readonly events: EventDraft[] = [];
    state: BatchState | undefined;

    constructor(readonly def: Definition, state: BatchState | undefined, readonly command: Command, readonly now: number) {
        this.state = state;
    }

    get s(): BatchState {
        return this.state!;
    }

    get actor(): Actor {
        return this.command.actor;
    }

    emit(type: string, data: Record<string, unknown>, options: EmitOptions = {}): void {
        const actor = options.actor ?? this.actor;
        const timers = this.timerEffects(type, data);
        let meanings = options.signatures ?? [];
        if (actor === this.actor && !this.signedExtras) {
            // Whatever else the actor signed goes on the command's first event of theirs: a signature
            // given is never dropped from the record.
            this.signedExtras = true;
            const extras = (this.command.signatures ?? []).filter(m => !meanings.includes(m) && !this.requiredMeanings.has(m));
            meanings = [...meanings, ...extras];
        }
        const signatures: SignatureManifest[] = meanings.map(meaning => ({ user: actor.user, name: actor.name, meaning, time: this.now }));
        const event: EventDraft = {
            type, time: this.now, user: actor.user, name: actor.name, role: options.role ?? null,
            reason: actor === SYSTEM ? null : this.command.reason ?? null,
            data: timers ? { ...data, timers } : data, changes: options.changes ?? [], signatures,
        };
        this.state = evolve(this.state, event);
        this.events.push(event);
    }

    /** The clocks an event starts and stops, from the definition's timers. */
    private timerEffects(type: string, data: Record<string, unknown>): TimerEffects | undefined {
        let starts: EventPoint | null = null;
        let stops: EventPoint | null = null;
        switch (type) {
            case 'batch-started': starts = 'batch/start'; break;
            case 'step-started': starts = stops = `${data.step}/start`; break;
            case 'step-completed': starts = stops = `${data.step}/end`; break;
            case 'step-failed': stops = `${data.step}/end`; break;
            case 'step-accepted': starts = stops = `${data.step}/end`; break;
            case 'transfer-dispatched': starts = stops = `${data.transfer}/dispatch`; break;
            case 'transfer-received': starts = stops = `${data.transfer}/receipt`; break;
            case 'batch-released': if (data.route === 'exceptional') starts = 'release/exceptional'; break;
            case 'authority-notified': stops = 'authority/notified'; break;
            case 'timer-fired': return { stopped: [data.key as string] };
            case 'batch-rejected': case 'batch-terminated': case 'batch-ended': return { stopAll: true };
            case 'rework-started': {
                // What is done again is timed again: its clocks restart with its new events.
                const reset = new Set(data.nodes as Id[]);
                const involves = (on: Timer['startsOn'] | Timer['stopsOn']) => 'activity' in on && reset.has(on.activity);
                const stopped = Object.values(this.s.timers).filter(t => involves(this.def.timers.get(t.timer)!.startsOn)).map(t => t.key);
                const minimumsDone = Object.keys(this.s.minimums).filter(id => involves(this.def.timers.get(id)!.startsOn) || involves(this.def.timers.get(id)!.stopsOn));
                return stopped.length || minimumsDone.length ? { ...(stopped.length ? { stopped } : {}), ...(minimumsDone.length ? { minimumsDone } : {}) } : undefined;
            }
            case 'nodes-skipped': {
                const skipped = new Set(data.nodes as Id[]);
                const stopped = Object.values(this.s.timers).filter(t => {
                    const stop = this.def.timers.get(t.timer)!.stopsOn;
                    return 'activity' in stop && skipped.has(stop.activity);
                }).map(t => t.key);
                return stopped.length > 0 ? { stopped } : undefined;
            }
            default: return undefined;
        }
        const s = this.state;
        const started: ActiveTimer[] = [];
        const stopped: string[] = [];
        const minimums: Array<{ timer: Id; startedAt: number; until: number; stop: string }> = [];
        const minimumsDone: Id[] = [];
        if (stops) {
            for (const timer of this.def.timersStoppingOn.get(stops) ?? []) {
                if (timer.kind === 'hold-min') {
                    if (s?.minimums[timer.id]) minimumsDone.push(timer.id);
                } else {
                    for (const active of Object.values(s?.timers ?? {})) if (active.timer === timer.id) stopped.push(active.key);
                }
            }
        }
        if (starts) {
            for (const timer of this.def.timersStartingOn.get(starts) ?? []) {
                const until = this.now + Math.round(timer.limit.value * 1000);
                if (timer.kind === 'hold-min') {
                    minimums.push({ timer: timer.id, startedAt: this.now, until, stop: pointOf(timer.stopsOn) });
                    continue;
                }
                for (const active of Object.values(s?.timers ?? {})) if (active.timer === timer.id && !stopped.includes(active.key)) stopped.push(active.key);
                const run = (s?.timerRuns[timer.id] ?? 0) + 1;
                started.push({ key: `${timer.id}#${run}`, timer: timer.id, kind: timer.kind, startedAt: this.now, due: until });
            }
        }
        if (!started.length && !stopped.length && !minimums.length && !minimumsDone.length) return undefined;
        return {
            ...(started.length ? { started } : {}), ...(stopped.length ? { stopped } : {}),
            ...(minimums.length ? { minimums } : {}), ...(minimumsDone.length ? { minimumsDone } : {}),
        };
    }

    name(id: Id): string {
        return describeNode(this.def, id);
    }

    step(id: Id): Step {
        return this.def.steps.get(id) ?? refuse('COIL-RT006', `there is no step ${id}`);
    }

    transfer(id: Id): Transfer {
        return this.def.transfers.get(id) ?? refuse('COIL-RT006', `there is no transfer ${id}`);
    }

    /** Refuses while a value of this run of the step is still to be recorded. */
    requireRecorded(step: Step, run: number, what: string, saying: string): void {
        const missing = step.parameters.filter(p => this.s.values[p.id]?.run !== run);
        if (missing.length > 0) refuse('COIL-RT017', `${what}: ${missing.map(p => `${step.name}.${p.name}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} ${saying}`);
    }

    /** The batch is neither rejected nor terminated nor ended. */
    requireOpen(): void {
        const s = this.s;
        if (s.outcome === 'rejected' || s.outcome === 'terminated') refuse('COIL-RT004', `the batch is ${s.outcome}`);
        if (s.ended) refuse('COIL-RT004', 'the batch has ended');
    }

    requireNotHeld(what: string): void {
        const held = holding(this.s);
        if (held) refuse('COIL-RT005', `${what}: the batch is on hold while deviation ${this.def.name(held.deviation)} is open`);
    }

    /** The actor holds the role and every qualification it requires, unexpired. Returns the role id. */
    requireRole(roleId: Id | null, what: string): string | null {
        if (roleId === null) return null;
        const role = this.def.role(roleId);
        const roleName = this.def.name(roleId);
        const held = this.actor.roles.some(r => r === roleId || `role:${r}` === roleId);
        if (!held) refuse('COIL-RT009', `${what} needs the role ${roleName}; ${this.actor.name} (${this.actor.user}) does not hold it`);
        const missing: string[] = [];
        for (const q of role?.qualifications ?? []) {
            const has = (this.actor.qualifications ?? []).find(h => h.id === q || `qualification:${h.id}` === q);
            if (!has) missing.push(`${this.def.name(q)} (not held)`);
            else if (has.expires !== null && !(Date.parse(has.expires) + 86_400_000 > this.now)) missing.push(`${this.def.name(q)} (expired ${has.expires})`);
        }
        if (missing.length > 0) refuse('COIL-RT010', `${what} needs the qualifications of ${roleName}: ${this.actor.name} lacks ${missing.join(', ')}`);
        return roleId;
    }

    /** Meanings a later event of this command records (requireSignatures), kept off the first one. */
    readonly requiredMeanings = new Set<string>();
    private signedExtras = false;

    requireSignatures(meanings: readonly string[], what: string): string[] {
        for (const m of meanings) this.requiredMeanings.add(m);
        const given = this.command.signatures ?? [];
        const missing = meanings.filter(m => !given.includes(m));
        if (missing.length > 0) refuse('COIL-RT012', `${what} must be signed ${missing.map(m => `"${m}"`).join(' and ')} by ${this.actor.name}`);
        return [...meanings];
    }

    requireReason(what: string): void {
        if (!this.command.reason?.trim()) refuse('COIL-RT025', `${what} needs a reason`);
    }

    /** Refuses with the first thing that keeps a pending node from beginning now. */
    requireCanBegin(id: Id, what: string, options: { quarantine: boolean }): void {
        const s = this.s;
        const waits = waitingFor(this.def, s, id);
        if (waits.length > 0) refuse('COIL-RT007', `${what}: it waits for ${waits.map(w => this.name(w)).join(', ')}`);
        this.requireNotHeld(what);
        if (options.quarantine) {
            for (const use of this.def.steps.get(id)?.consumes ?? []) {
                const q = quarantining(s, use.material);
                if (q) refuse('COIL-RT013', `${what}: ${this.def.name(use.material)} is quarantined by deviation ${this.def.name(q.deviation)}`);
            }
        }
        this.requireMinimums(`${id}/start`, what);
        this.requireMinimums(`${id}/dispatch`, what);
    }

    /** Refuses an event that a minimum hold guards until the hold has elapsed. */
    requireMinimums(point: string, what: string): void {
        for (const [timer, minimum] of Object.entries(this.s.minimums)) {
            if (minimum.stop === point && this.now < minimum.until) refuse('COIL-RT014', `${what}: ${minimumMessage(this.def, timer)}`);
        }
    }

    /** Opens a deviation (or notes that an open one was triggered again) and carries out its actions. */
    raise(deviationId: Id | null, kind: TriggerKind, source: Id | null, actor: Actor = SYSTEM): void {
        if (!deviationId) return;
        const deviation = this.def.deviations.get(deviationId);
        if (!deviation) return;
        const open = Object.values(this.s.deviations).find(d => d.deviation === deviationId && d.status === 'open');
        if (open) {
            this.emit('deviation-recurred', { instance: open.instance, deviation: deviationId, trigger: { kind, source } }, { actor });
            return;
        }
        const count = Object.values(this.s.deviations).filter(d => d.deviation === deviationId).length;
        const instance = `${deviationId}#${count + 1}`;
        const quarantines = [...new Set(deviation.actions.flatMap(a => (a.kind === 'quarantine' ? a.materials : [])))];
        const holdsBatch = deviation.actions.some(a => a.kind === 'hold-batch');
        this.emit('deviation-raised', {
            deviation: deviationId, instance, severity: deviation.severity, blocksRelease: deviation.blocksRelease,
            trigger: { kind, source }, quarantines, holdsBatch,
        }, {
            actor,
            changes: [
                { field: `${deviation.name}.status`, old: null, new: 'open' },
                ...quarantines.map(m => ({ field: `${this.def.name(m)}.quarantined`, old: quarantining(this.s, m) !== undefined, new: true })),
                ...(holdsBatch ? [{ field: 'batch.status', old: batchStatus(this.s), new: 'on_hold' }] : []),
            ],
        });
        for (const action of deviation.actions) {
            if (action.kind === 'notify') this.emit('notification-sent', { instance, deviation: deviationId, roles: action.roles }, { actor: SYSTEM });
            if (action.kind === 'terminate') this.close('batch-terminated', `deviation ${deviation.name} terminates the batch`);
        }
    }

    close(type: 'batch-rejected' | 'batch-terminated', because: string, actor: Actor = SYSTEM, role: string | null = null): void {
        if (this.s.outcome === 'rejected' || this.s.outcome === 'terminated') return;
        this.emit(type, { because }, { actor, role, changes: [{ field: 'batch.status', old: batchStatus(this.s), new: type === 'batch-rejected' ? 'rejected' : 'terminated' }] });
    }

    /** Runs what follows without anyone acting: decisions whose inputs are in, and the end. */
    cascade(): void {
        for (let progressed = true; progressed;) {
            progressed = false;
            const s = this.s;
            if (!s || s.outcome === 'rejected' || s.outcome === 'terminated' || s.ended) return;
            for (const decision of this.def.decisions.values()) {
                if (nodeOf(this.s, decision.id).status !== 'pending' || waitingFor(this.def, this.s, decision.id).length > 0) continue;
                // A decision needs its value from the latest run of its step (an accepted failure may have none yet).
                const source = this.def.parameters.get(decision.parameter)?.step.id;
                if (source && this.s.values[decision.parameter]?.run !== nodeOf(this.s, source).run) continue;
                this.take(decision.id);
                progressed = true;
                break;
            }
            if (!progressed && this.def.nodes.has('end') && nodeOf(this.s, 'end').status === 'pending' && waitingFor(this.def, this.s, 'end').length === 0) {
                this.emit('batch-ended', {}, { actor: SYSTEM, changes: [{ field: 'batch.ended', old: false, new: true }] });
            }
        }
    }

    private take(decisionId: Id): void {
        const decision = this.def.decisions.get(decisionId)!;
        const recorded = this.s.values[decision.parameter];
        const available = (o: Outcome) => o.kind !== 'rework'
            || ((this.s.reworks[`${decisionId}>${o.target}`] ?? 0) < o.limit && !(this.s.outcome === 'released' && this.def.reworkSet(o.target, decisionId).includes('release')));
        let chosen: { outcome: Outcome; label: string } = { outcome: { kind: 'continue' }, label: 'no branch applies' };
        const branch = recorded ? decision.branches.find(b => holds(b.condition, recorded.value) && available(b.outcome)) : undefined;
        if (branch) chosen = { outcome: branch.outcome, label: conditionText(branch.condition) };
        else if (available(decision.otherwise)) chosen = { outcome: decision.otherwise, label: 'otherwise' };
        const outcome = chosen.outcome;
        this.emit('decision-taken', {
            decision: decisionId, parameter: decision.parameter, value: recorded ? recorded.value : null,
            branch: chosen.label, outcome: outcome.kind, target: 'target' in outcome ? outcome.target : null,
        }, { actor: SYSTEM, changes: [{ field: `${decision.name}.outcome`, old: null, new: outcomeText(this.def, outcome) }] });
        switch (outcome.kind) {
            case 'goto': {
                const nodes = this.def.skippedByGoto(decisionId, outcome.target).filter(id => nodeOf(this.s, id).status === 'pending');
                if (nodes.length > 0) this.emit('nodes-skipped', { nodes, by: decisionId }, { actor: SYSTEM, changes: nodes.map(id => ({ field: `${this.name(id)}.status`, old: 'pending', new: 'skipped' })) });
                break;
            }
            case 'rework': {
                const key = `${decisionId}>${outcome.target}`;
                const count = (this.s.reworks[key] ?? 0) + 1;
                const nodes = this.def.reworkSet(outcome.target, decisionId);
                this.emit('rework-started', { rework: key, count, limit: outcome.limit, target: outcome.target, nodes, by: decisionId }, {
                    actor: SYSTEM, changes: [{ field: `${this.name(outcome.target)}.reworks`, old: count - 1, new: count }],
                });
                break;
            }
            case 'reject': this.close('batch-rejected', `decision ${decision.name} rejects the batch`); break;
            case 'terminate': this.close('batch-terminated', `decision ${decision.name} terminates the batch`); break;
            case 'continue': break;
        }
    }
}

function conditionText(c: { kind: 'quantity'; op: string; value: { text: string } } | { kind: 'choice'; choice: string }): string {
    return c.kind === 'quantity' ? `${c.op} ${c.value.text}` : `is ${c.choice}`;
}

function outcomeText(def: Definition, o: Outcome): string {
    return 'target' in o ? `${o.kind} ${def.name(o.target)}` : o.kind;
}

type Handlers = { [K in Command['type']]: (ctx: Context, c: Extract<Command, { type: K }>) => void };

const HANDLERS: Handlers = {
    'start-batch'(ctx, c) {
        if (ctx.state) refuse('COIL-RT002', `batch ${c.batch} was started at ${new Date(ctx.state.startedAt).toISOString()}`);
        const process = ctx.def.workflow.process;
        if (process.effective && ctx.now < Date.parse(process.effective)) {
            refuse('COIL-RT031', `${process.name} ${process.version} is effective from ${process.effective}; a batch cannot start on it before then`);
        }
        const format = identityFormat(process.identityFormat);
        let identity = c.identity.trim();
        if (format) {
            const parsed = format.parse(c.identity);
            if (!parsed.ok) refuse('COIL-RT003', parsed.message);
            identity = parsed.value;
        }
        if (!/^[0-9A-Za-z]{4,40}$/.test(identity.replace(/[\s-]/g, ''))) refuse('COIL-RT003', `'${c.identity}' is not an identifier`);
        ctx.emit('batch-started', {
            batch: c.batch, definition: ctx.def.digest, process: process.id, version: process.version, identity, format: process.identityFormat,
            // Only when set, so that the records of GMP batches are as they always were.
            ...(c.training ? { training: true } : {}),
        }, { changes: [{ field: 'batch.status', old: null, new: 'in_progress' }, { field: 'batch.identity', old: null, new: identity }, ...(c.training ? [{ field: 'batch.training', old: null, new: true }] : [])] });
    },

    'start-step'(ctx, c) {
        ctx.requireOpen();
        const step = ctx.step(c.step);
        const what = `${step.name} cannot start`;
        const node = nodeOf(ctx.s, step.id);
        if (node.status !== 'pending') refuse('COIL-RT008', `${what}: it is ${statusWord(node.status)}`);
        ctx.requireCanBegin(step.id, what, { quarantine: true });
        const role = ctx.requireRole(step.performer, `starting ${step.name}`);
        ctx.emit('step-started', { step: step.id, run: node.run + 1 }, { role, changes: [{ field: `${step.name}.status`, old: 'ready', new: 'running' }] });
    },

    'complete-step'(ctx, c) {
        ctx.requireOpen();
        const step = ctx.step(c.step);
        const what = `${step.name} cannot complete`;
        const node = nodeOf(ctx.s, step.id);
        if (node.status !== 'running') refuse('COIL-RT008', `${what}: it is ${statusWord(node.status)}`);
        ctx.requireNotHeld(what);
        const role = ctx.requireRole(step.performer, `completing ${step.name}`);
        ctx.requireRecorded(step, node.run, what, 'not recorded');
        if (step.identityChecks.length > 0) {
            const scanners = new Set(node.scans.filter(x => x.point === 'step').map(x => x.user));
            const independent = step.identityChecks.some(ch => ch.independent);
            if (scanners.size === 0) refuse('COIL-RT016', `${what}: the identity of ${step.identityChecks.map(ch => ctx.def.name(ch.material)).join(', ')} has not been verified by scan`);
            if (independent && scanners.size < 2) refuse('COIL-RT016', `${what}: the identity must be verified independently by two people; only ${[...scanners].join(', ')} scanned`);
        }
        if (step.verifier && !node.verifiedBy) refuse('COIL-RT018', `${what}: it must first be verified by a second ${ctx.def.name(step.verifier.role)}`);
        if (node.verifiedBy === ctx.actor.user) refuse('COIL-RT011', `${what}: ${ctx.actor.name} verified it, so cannot also perform it`);
        const roleSigns = step.signatures.filter(sg => sg.by.startsWith('role:') && sg.by !== step.performer && !node.roleSignatures.includes(sg.meaning));
        if (roleSigns.length > 0) refuse('COIL-RT012', `${what}: ${roleSigns.map(sg => `"${sg.meaning}" by a ${ctx.def.name(sg.by)}`).join(' and ')} ${roleSigns.length === 1 ? 'is' : 'are'} still to be signed`);
        ctx.requireMinimums(`${step.id}/end`, what);
        const meanings = step.signatures.filter(sg => sg.by === 'performer' || sg.by === step.performer).map(sg => sg.meaning);
        const signatures = ctx.requireSignatures(meanings, `completing ${step.name}`);
        ctx.emit('step-completed', { step: step.id, run: node.run }, { role, signatures, changes: [{ field: `${step.name}.status`, old: 'running', new: 'complete' }] });
        for (const plan of ctx.def.plansOnStep.get(step.id) ?? []) {
            const n = (ctx.s.samples[plan.id] ?? 0) + 1;
            ctx.emit('sample-taken', { qc: plan.id, sample: `${plan.id}#${n}`, material: plan.material, assays: plan.tests.map(t => t.assay) }, { actor: SYSTEM });
        }
    },

    'fail-step'(ctx, c) {
        ctx.requireOpen();
        const step = ctx.step(c.step);
        const node = nodeOf(ctx.s, step.id);
        if (node.status !== 'running') refuse('COIL-RT008', `${step.name} cannot fail: it is ${statusWord(node.status)}`);
        const role = ctx.requireRole(step.performer, `failing ${step.name}`);
        ctx.emit('step-failed', { step: step.id, run: node.run }, { role, changes: [{ field: `${step.name}.status`, old: 'running', new: 'failed' }] });
        ctx.raise(step.onFailure, 'step-failed', step.id);
    },

    'record-value'(ctx, c) {
        const s = ctx.s;
        if (s.outcome === 'rejected' || s.outcome === 'terminated') refuse('COIL-RT004', `the batch is ${s.outcome}`);
        const entry = ctx.def.parameters.get(c.parameter) ?? refuse('COIL-RT006', `there is no parameter ${c.parameter}`);
        const { parameter, step } = entry;
        const label = `${step.name}.${parameter.name}`;
        const node = nodeOf(s, step.id);
        if (node.status !== 'running' && node.status !== 'complete' && node.status !== 'failed') refuse('COIL-RT008', `${label} cannot be recorded: ${step.name} has not started`);
        const role = ctx.requireRole(step.performer, `recording ${label}`);
        const converted = convertForParameter(c.value, parameter.type);
        if (!converted.ok) refuse('COIL-RT019', `${label}: ${converted.message}`);
        const old = s.values[parameter.id];
        const correcting = old !== undefined && old.run === node.run;
        if (correcting || node.status !== 'running') ctx.requireReason(`correcting ${label}`);
        const ok = acceptable(converted.value, parameter.type);
        ctx.emit('value-recorded', { parameter: parameter.id, step: step.id, value: converted.value, inRange: ok, run: node.run }, {
            role, changes: [{ field: label, old: correcting ? describe(old.value) : null, new: describe(converted.value) }],
        });
        if (!ok) ctx.raise(parameter.onOutOfRange, 'out-of-range', parameter.id);
    },

    'scan'(ctx, c) {
        ctx.requireOpen();
        const target = c.target;
        let point: 'step' | 'dispatch' | 'receipt' | null = null;
        let onMismatch: Id | null = null;
        if (target !== null) {
            const node = nodeOf(ctx.s, target);
            const step = ctx.def.steps.get(target);
            const transfer = ctx.def.transfers.get(target);
            if (step) {
                if (node.status !== 'pending' && node.status !== 'running') refuse('COIL-RT008', `${step.name} is ${statusWord(node.status)}: there is nothing to scan for`);
                point = 'step';
                onMismatch = step.identityChecks.find(ch => ch.onMismatch)?.onMismatch ?? null;
            } else if (transfer) {
                if (node.status === 'complete' || node.status === 'skipped') refuse('COIL-RT008', `${transfer.name} is ${statusWord(node.status)}: there is nothing to scan for`);
                point = node.status === 'running' ? 'receipt' : 'dispatch';
                onMismatch = transfer.onMismatch;
            } else {
                refuse('COIL-RT006', `there is no step or transfer ${target}`);
            }
        }
        const format = identityFormat(ctx.def.workflow.process.identityFormat);
        const parsed = format?.parse(c.identity);
        const scanned = parsed?.ok ? parsed.value : c.identity.replace(/\s+/g, '').toUpperCase();
        if (scanned === ctx.s.identity) {
            ctx.emit('identity-verified', { target, point, identity: scanned }, { changes: target ? [{ field: `${ctx.name(target)}.identity`, old: null, new: 'verified' }] : [] });
            return;
        }
        ctx.emit('identity-mismatch', { target, point, scanned, expected: ctx.s.identity }, { changes: [{ field: 'batch.mismatches', old: ctx.s.mismatches, new: ctx.s.mismatches + 1 }] });
        ctx.raise(onMismatch, 'identity-mismatch', target);
        ctx.cascade();
        throw new Refusal('COIL-RT015', `identity does not match the batch: scanned ${scanned}${parsed && !parsed.ok ? ` (${parsed.message})` : ''}, the batch is ${ctx.s.identity}`, true);
    },

    'verify-step'(ctx, c) {
        ctx.requireOpen();
        const step = ctx.step(c.step);
        const what = `${step.name} cannot be verified`;
        if (!step.verifier) refuse('COIL-RT008', `${what}: it has no second-person verification`);
        const node = nodeOf(ctx.s, step.id);
        if (node.status !== 'running') refuse('COIL-RT008', `${what}: it is ${statusWord(node.status)}`);
        if (node.verifiedBy) refuse('COIL-RT008', `${what}: ${node.verifiedBy} has already verified it`);
        ctx.requireNotHeld(what);
        const role = ctx.requireRole(step.verifier.role, `verifying ${step.name}`);
        if (ctx.actor.user === node.performer) refuse('COIL-RT011', `${what}: ${ctx.actor.name} performed it; a different person must verify`);
        ctx.requireRecorded(step, node.run, what, 'not recorded yet, so there is nothing to verify');
        const meanings = step.signatures.filter(sg => sg.by === 'verifier').map(sg => sg.meaning);
        const signatures = ctx.requireSignatures(meanings, `verifying ${step.name}`);
        ctx.emit('step-verified', { step: step.id, run: node.run }, { role, signatures, changes: [{ field: `${step.name}.verifiedBy`, old: null, new: ctx.actor.user }] });
    },

    'sign-step'(ctx, c) {
        ctx.requireOpen();
        const step = ctx.step(c.step);
        const signature = step.signatures.find(sg => sg.meaning === c.meaning && sg.by.startsWith('role:') && sg.by !== step.performer)
            ?? refuse('COIL-RT012', `${step.name} asks for no signature "${c.meaning}" by a role; it asks for ${step.signatures.map(sg => `"${sg.meaning}"`).join(', ') || 'none'}`);
        const node = nodeOf(ctx.s, step.id);
        if (node.status !== 'running') refuse('COIL-RT008', `${step.name} cannot be signed: it is ${statusWord(node.status)}`);
        if (node.roleSignatures.includes(c.meaning)) refuse('COIL-RT008', `${step.name} is already signed "${c.meaning}"`);
        const role = ctx.requireRole(signature.by, `signing ${step.name} "${c.meaning}"`);
        if (ctx.actor.user === node.performer) refuse('COIL-RT011', `${step.name}: ${ctx.actor.name} performed it; "${c.meaning}" is for a different person`);
        ctx.emit('step-signed', { step: step.id, meaning: c.meaning, run: node.run }, { role, signatures: [c.meaning], changes: [{ field: `${step.name}.signed`, old: null, new: c.meaning }] });
    },

    'dispatch'(ctx, c) {
        ctx.requireOpen();
        const transfer = ctx.transfer(c.transfer);
        const what = `${transfer.name} cannot be dispatched`;
        const node = nodeOf(ctx.s, transfer.id);
        if (node.status !== 'pending') refuse('COIL-RT008', `${what}: it is ${statusWord(node.status)}`);
        ctx.requireCanBegin(transfer.id, what, { quarantine: false });
        const role = ctx.requireRole(transfer.sender, `dispatching ${transfer.name}`);
        if (transfer.verifyIdentityAt.includes('dispatch') && !node.scans.some(x => x.point === 'dispatch')) {
            refuse('COIL-RT016', `${what}: the label of ${ctx.def.name(transfer.material)} has not been scanned at dispatch`);
        }
        const reading = readingOf(transfer.condition?.range ?? null, c.reading, what);
        const signatures = transfer.sender ? ctx.requireSignatures([TRANSFER_MEANINGS.dispatch], `dispatching ${transfer.name}`) : [];
        ctx.emit('transfer-dispatched', { transfer: transfer.id, material: transfer.material, from: transfer.from, carrier: transfer.carrier, reading: reading?.value ?? null, inRange: reading?.ok ?? true }, {
            role, signatures, changes: [{ field: `${transfer.name}.status`, old: 'ready', new: 'in transit' }, { field: `${ctx.def.name(transfer.material)}.custody`, old: placeText(ctx, transfer.from), new: transfer.carrier ? ctx.def.name(transfer.carrier) : 'in transit' }],
        });
        if (reading && !reading.ok) ctx.raise(transfer.condition?.onExcursion ?? null, 'excursion', transfer.id);
    },

    'receive'(ctx, c) {
        ctx.requireOpen();
        const transfer = ctx.transfer(c.transfer);
        const what = `${transfer.name} cannot be received`;
        const node = nodeOf(ctx.s, transfer.id);
        if (node.status !== 'running') refuse('COIL-RT008', `${what}: it is ${node.status === 'pending' ? 'not dispatched' : statusWord(node.status)}`);
        const role = ctx.requireRole(transfer.receiver, `receiving ${transfer.name}`);
        ctx.requireMinimums(`${transfer.id}/receipt`, what);
        if (transfer.verifyIdentityAt.includes('receipt') && !node.scans.some(x => x.point === 'receipt')) {
            refuse('COIL-RT016', `${what}: the label of ${ctx.def.name(transfer.material)} has not been scanned at receipt`);
        }
        const reading = readingOf(transfer.condition?.range ?? null, c.reading, what);
        const signatures = transfer.receiver ? ctx.requireSignatures([TRANSFER_MEANINGS.receipt], `receiving ${transfer.name}`) : [];
        ctx.emit('transfer-received', { transfer: transfer.id, material: transfer.material, to: transfer.to, reading: reading?.value ?? null, inRange: reading?.ok ?? true }, {
            role, signatures, changes: [{ field: `${transfer.name}.status`, old: 'in transit', new: 'complete' }, { field: `${ctx.def.name(transfer.material)}.custody`, old: transfer.carrier ? ctx.def.name(transfer.carrier) : 'in transit', new: placeText(ctx, transfer.to) }],
        });
        if (reading && !reading.ok) ctx.raise(transfer.condition?.onExcursion ?? null, 'excursion', transfer.id);
    },

    'take-sample'(ctx, c) {
        ctx.requireOpen();
        const plan = ctx.def.plans.get(c.qc) ?? refuse('COIL-RT006', `there is no QC plan ${c.qc}`);
        if (nodeOf(ctx.s, plan.step).status !== 'complete') refuse('COIL-RT026', `${plan.name} samples the output of ${ctx.def.name(plan.step)}, which has not completed`);
        const n = (ctx.s.samples[plan.id] ?? 0) + 1;
        ctx.emit('sample-taken', { qc: plan.id, sample: `${plan.id}#${n}`, material: plan.material, assays: plan.tests.map(t => t.assay) }, { changes: [{ field: `${plan.name}.samples`, old: n - 1, new: n }] });
    },

    'record-result'(ctx, c) {
        const tests = ctx.def.testsOfAssay.get(c.assay) ?? refuse('COIL-RT006', `no QC plan tests ${c.assay}`);
        const assay = ctx.def.workflow.assays.find(a => a.id === c.assay);
        const label = ctx.def.name(c.assay);
        const sampled = tests.find(t => (ctx.s.samples[t.plan.id] ?? 0) > 0);
        if (!sampled) refuse('COIL-RT026', `${label} cannot have a result yet: no sample has been taken (${tests.map(t => `${t.plan.name} samples at the end of ${ctx.def.name(t.plan.step)}`).join('; ')})`);
        const converted = convertForAssay(c.value, assay?.result ?? null, sampled.test);
        if (!converted.ok) refuse('COIL-RT019', `${label}: ${converted.message}`);
        const old = ctx.s.results[c.assay];
        if (old) ctx.requireReason(`replacing the ${label} result`);
        const failedTests = tests.filter(t => !meetsSpec(converted.value, t.test));
        const passed = failedTests.length === 0;
        ctx.emit('result-recorded', { assay: c.assay, qc: tests.map(t => t.plan.id), value: converted.value, passed }, {
            changes: [{ field: `${label}.result`, old: old ? describe(old.value) : null, new: `${describe(converted.value)} (${passed ? 'pass' : 'fail'})` }],
        });
        for (const t of failedTests) ctx.raise(t.test.onFail, 'qc-failed', t.plan.id);
    },

    'raise-deviation'(ctx, c) {
        if (!ctx.def.deviations.has(c.deviation)) refuse('COIL-RT006', `there is no deviation ${c.deviation}`);
        ctx.requireOpen();
        ctx.raise(c.deviation, 'by-hand', null, ctx.actor);
    },

    'disposition'(ctx, c) {
        const [deviationId] = c.deviation.split('#');
        const deviation = ctx.def.deviations.get(deviationId) ?? refuse('COIL-RT006', `there is no deviation ${c.deviation}`);
        const open = Object.values(ctx.s.deviations).filter(d => d.status === 'open' && (d.instance === c.deviation || d.deviation === c.deviation));
        const instance: DeviationState = open[0] ?? refuse('COIL-RT023', `deviation ${deviation.name} is not open`);
        const releaseRole = ctx.def.workflow.release?.role ?? null;
        const role = ctx.requireRole(deviation.disposition?.role ?? releaseRole, `dispositioning ${deviation.name}`);
        const options: readonly DispositionOption[] = deviation.disposition?.options ?? ['continue'];
        if (!options.includes(c.option)) refuse('COIL-RT023', `${deviation.name} may be dispositioned ${options.join(', ')}; not ${c.option}`);
        if (ctx.s.ended && c.option === 'rework') {
            refuse('COIL-RT004', `${deviation.name} cannot be dispositioned rework: the batch has ended, there is nothing left to do again`);
        }
        if ((ctx.s.outcome === 'rejected' || ctx.s.outcome === 'terminated') && c.option !== 'continue' && c.option !== 'release') {
            refuse('COIL-RT004', `${deviation.name} cannot be dispositioned ${c.option}: the batch is already ${ctx.s.outcome}`);
        }
        let rework: { target: Id; limit: number } | null = null;
        if (c.option === 'rework') {
            const action = deviation.actions.find(a => a.kind === 'rework');
            const source = instance.trigger.source;
            const target = action?.kind === 'rework' ? action.step : source && ctx.def.steps.has(source) ? source : ctx.def.parameters.get(source ?? '')?.step.id;
            if (!target) refuse('COIL-RT023', `${deviation.name} names no step to rework`);
            rework = { target, limit: action?.kind === 'rework' ? action.limit : 1 };
            if (ctx.s.outcome === 'released' && ctx.def.reworkSet(target, null).includes('release')) {
                refuse('COIL-RT008', `${ctx.def.name(target)} cannot be reworked: it comes before the release, and the batch has been released`);
            }
            const done = ctx.s.reworks[`${deviationId}>${target}`] ?? 0;
            if (done >= rework.limit) refuse('COIL-RT024', `${ctx.def.name(target)} has been reworked ${done} time${done === 1 ? '' : 's'} for ${deviation.name}, the most allowed`);
        }
        ctx.emit('deviation-dispositioned', { instance: instance.instance, deviation: deviationId, option: c.option }, {
            role, changes: [{ field: `${deviation.name}.status`, old: 'open', new: 'closed' }, { field: `${deviation.name}.disposition`, old: null, new: c.option }],
        });
        switch (c.option) {
            case 'continue':
            case 'release': {
                const source = instance.trigger.source;
                if (instance.trigger.kind === 'step-failed' && source && nodeOf(ctx.s, source).status === 'failed') {
                    ctx.emit('step-accepted', { step: source, deviation: instance.instance }, { actor: ctx.actor, role, changes: [{ field: `${ctx.name(source)}.status`, old: 'failed', new: 'complete' }] });
                }
                break;
            }
            case 'rework': {
                const { target, limit } = rework!;
                const key = `${deviationId}>${target}`;
                const count = (ctx.s.reworks[key] ?? 0) + 1;
                const nodes = ctx.def.reworkSet(target, null).filter(id => id === target || nodeOf(ctx.s, id).status !== 'pending');
                ctx.emit('rework-started', { rework: key, count, limit, target, nodes, by: instance.instance }, { role, changes: [{ field: `${ctx.name(target)}.reworks`, old: count - 1, new: count }] });
                break;
            }
            case 'reject': ctx.close('batch-rejected', `deviation ${deviation.name} dispositioned reject`, ctx.actor, role); break;
            case 'terminate': ctx.close('batch-terminated', `deviation ${deviation.name} dispositioned terminate`, ctx.actor, role); break;
        }
    },

    'physician-acceptance'(ctx, c) {
        ctx.requireOpen();
        if (!ctx.def.workflow.release?.exceptional) refuse('COIL-RT027', 'the process has no exceptional release route that physician acceptance would serve');
        if (!c.physician.trim()) refuse('COIL-RT030', 'the accepting physician must be named');
        const exceptional = ctx.def.workflow.release.exceptional;
        const role = ctx.requireRole(exceptional.role, 'recording the physician\'s acceptance');
        if (ctx.s.physician) ctx.requireReason(`replacing the acceptance of ${ctx.s.physician.name}`);
        ctx.emit('physician-acceptance-recorded', { physician: c.physician }, { role, changes: [{ field: 'release.physicianAcceptance', old: ctx.s.physician?.name ?? null, new: c.physician }] });
    },

    'release'(ctx, c) {
        ctx.requireOpen();
        const release = ctx.def.workflow.release ?? refuse('COIL-RT027', 'the process has no release');
        if (ctx.s.outcome === 'released') refuse('COIL-RT027', 'the batch has already been released');
        const route = c.exceptional ? release.exceptional ?? refuse('COIL-RT027', 'the process has no exceptional release route') : release;
        const what = c.exceptional ? 'Exceptional release is refused' : 'Release is refused';
        const role = ctx.requireRole(route.role, c.exceptional ? 'exceptional release' : 'release');
        // Everything that stands in the way, at once: QA sees the whole picture, not one reason per attempt.
        const problems: Array<[RefusalCode, string]> = [];
        const waits = waitingFor(ctx.def, ctx.s, 'release');
        if (waits.length > 0) problems.push(['COIL-RT007', `it waits for ${waits.map(w => ctx.name(w)).join(', ')}`]);
        const held = holding(ctx.s);
        if (held) problems.push(['COIL-RT005', `the batch is on hold while deviation ${ctx.def.name(held.deviation)} is open`]);
        const q = quarantining(ctx.s, release.material);
        if (q) problems.push(['COIL-RT013', `${ctx.def.name(release.material)} is quarantined by deviation ${ctx.def.name(q.deviation)}`]);
        const blocking = Object.values(ctx.s.deviations).filter(d => d.status === 'open' && ctx.def.deviations.get(d.deviation)?.blocksRelease);
        if (blocking.length > 0) problems.push(['COIL-RT022', `${blocking.map(d => `${ctx.def.name(d.deviation)} (${ctx.def.deviations.get(d.deviation)!.severity})`).join(', ')} ${blocking.length === 1 ? 'is' : 'are'} open and block${blocking.length === 1 ? 's' : ''} release`]);
        for (const r of route.requires) {
            const unmet = unmetRequirement(ctx, r);
            const said = unmet !== null && problems.some(p => p[1].includes(unmet));
            if (unmet !== null && !said && !(r.kind === 'no-open-deviation' && blocking.length > 0 && unmet.startsWith('deviation'))) problems.push(['COIL-RT021', unmet]);
        }
        if (problems.length > 0) refuse(problems[0][0], `${what}: ${problems.map(p => p[1]).join('; ')}`);
        const signatures = ctx.requireSignatures(route.signatures, c.exceptional ? 'exceptional release' : 'release');
        ctx.emit('batch-released', { route: c.exceptional ? 'exceptional' : 'normal', material: release.material }, {
            role, signatures, changes: [{ field: 'batch.status', old: batchStatus(ctx.s), new: 'released' }],
        });
    },

    'notify-authority'(ctx) {
        if (ctx.s.releaseRoute !== 'exceptional') refuse('COIL-RT029', 'the batch was not released exceptionally: there is no authority notification to make');
        if (ctx.s.authorityNotified) refuse('COIL-RT029', 'the authority has already been notified');
        ctx.emit('authority-notified', {}, { changes: [{ field: 'release.authorityNotified', old: false, new: true }] });
    },

    'reject'(ctx) {
        ctx.requireOpen();
        const role = ctx.requireRole(ctx.def.workflow.release?.role ?? null, 'rejecting the batch');
        ctx.requireReason('Rejecting a batch');
        ctx.close('batch-rejected', 'rejected by hand', ctx.actor, role);
    },

    'terminate'(ctx) {
        ctx.requireOpen();
        const role = ctx.requireRole(ctx.def.workflow.release?.role ?? null, 'terminating the batch');
        ctx.requireReason('Terminating a batch');
        ctx.close('batch-terminated', 'terminated by hand', ctx.actor, role);
    },

    'fire-timer'(ctx, c) {
        if (ctx.actor.user !== SYSTEM.user) refuse('COIL-RT009', 'only the runtime fires timers');
        const active = ctx.s.timers[c.timer] ?? refuse('COIL-RT028', `timer ${c.timer} is not running (it has stopped or already fired)`);
        if (ctx.now < active.due) refuse('COIL-RT028', `timer ${c.timer} is not due until ${new Date(active.due).toISOString()}`);
        const timer: Timer = ctx.def.timers.get(active.timer) ?? refuse('COIL-RT006', `there is no timer ${active.timer}`);
        ctx.emit('timer-fired', { timer: timer.id, key: active.key, kind: timer.kind, source: timer.source, due: active.due, limit: timer.limit.text }, {
            actor: SYSTEM, changes: [{ field: `${timer.id}`, old: 'running', new: 'expired' }],
        });
        const kind: TriggerKind = timer.kind === 'hold-max' ? 'hold-breach' : timer.kind === 'vein-to-vein' ? 'budget' : timer.kind === 'authority-notification' ? 'authority-notification' : 'late';
        ctx.raise(timer.raises, kind, timer.source);
    },
};

function statusWord(status: string): string {
    switch (status) {
        case 'pending': return 'not started';
        case 'running': return 'already running';
        case 'complete': return 'already complete';
        case 'failed': return 'failed, awaiting the disposition of its deviation';
        case 'skipped': return 'skipped on this batch\'s path';
        default: return status;
    }
}

function placeText(ctx: Context, place: { site: Id; room: Id | null }): string {
    return ctx.def.name(place.room ?? place.site);
}

function readingOf(range: Range | null, reading: { value: number; unit: string } | null, what: string): { value: StoredValue; ok: boolean } | null {
    if (!range) return null;
    if (!reading) refuse('COIL-RT020', `${what}: a temperature reading within ${range.text} is required`);
    const c = toCanonical(reading.value, reading.unit, 'Cel', '°C');
    if (!c.ok) refuse('COIL-RT020', `${what}: ${c.message}`);
    return { value: { kind: 'quantity', value: c.value, unit: 'Cel', text: `${c.value} °C` }, ok: inRange(range, c.value) };
}

/** Why a release requirement is not met now, or null when it is. */
function unmetRequirement(ctx: Context, r: Requirement): string | null {
    const s = ctx.s;
    const def = ctx.def;
    switch (r.kind) {
        case 'qc-passed': {
            const plans = r.qc ? [def.plans.get(r.qc)!] : [...def.plans.values()];
            const problems: string[] = [];
            for (const plan of plans) {
                for (const test of plan.tests) {
                    const result = s.results[test.assay];
                    if (!result) {
                        if (!test.pendingAllowed) problems.push(`${def.name(test.assay)} has no result`);
                    } else if (!result.passed) {
                        problems.push(`${def.name(test.assay)} failed (${describe(result.value)})`);
                    }
                }
            }
            return problems.length > 0 ? `QC ${plans.map(p => p.name).join(', ')} not passed: ${problems.join(', ')}` : null;
        }
        case 'assay-passed': {
            const result = s.results[r.assay];
            if (!result) return `${def.name(r.assay)} has no result`;
            return result.passed ? null : `${def.name(r.assay)} failed (${describe(result.value)})`;
        }
        case 'no-open-deviation': {
            const rank = { minor: 1, major: 2, critical: 3 } as const;
            const open = Object.values(s.deviations).filter(d => {
                if (d.status !== 'open') return false;
                if (r.severity === null) return true;
                const severity = def.deviations.get(d.deviation)!.severity;
                return r.orAbove ? rank[severity] >= rank[r.severity] : severity === r.severity;
            });
            return open.length > 0 ? `deviation ${open.map(d => def.name(d.deviation)).join(', ')} ${open.length === 1 ? 'is' : 'are'} open` : null;
        }
        case 'identity-reconciled': {
            const unverified = [...def.steps.values()].filter(st => st.identityChecks.length > 0 && nodeOf(s, st.id).status === 'complete' && !nodeOf(s, st.id).scans.some(x => x.point === 'step'));
            const open = Object.values(s.deviations).filter(d => d.status === 'open' && d.trigger.kind === 'identity-mismatch');
            if (open.length > 0) return `identity not reconciled: ${open.map(d => def.name(d.deviation)).join(', ')} open`;
            return unverified.length > 0 ? `identity not reconciled: ${unverified.map(st => st.name).join(', ')} not scanned` : null;
        }
        case 'step-complete':
            return nodeOf(s, r.step).status === 'complete' ? null : `${def.name(r.step)} is not complete${nodeOf(s, r.step).status === 'skipped' ? ' (it was skipped)' : ''}`;
        case 'physician-acceptance':
            return s.physician ? null : 'the treating physician\'s acceptance has not been recorded';
    }
}

export { REFUSALS };
