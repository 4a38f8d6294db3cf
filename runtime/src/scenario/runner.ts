/**
 * Runs a scenario: one batch on a virtual clock, its actions as commands (with the routine the
 * plant fills in), its expectations checked against the batch's state. Timers fire as the clock
 * passes them, in order, as they would in a plant. The first failed expectation, or an action
 * refused where the scenario did not expect it, ends the scenario with a failure saying what was
 * expected and what happened instead.
 */
import type { Id, Scenario, ScenarioAction, ScenarioEntry, ScenarioExpectation, ScenarioValue, SignedWorkflow } from '@coil/compiler/ir';
import { VirtualClock } from '../clock.js';
import type { Definition } from '../engine/definition.js';
import { nodeOf } from '../engine/evolve.js';
import type { BatchState } from '../engine/state.js';
import type { Value } from '../engine/types.js';
import { batchStatus, nodeView } from '../engine/views.js';
import { Runtime, type CommandOutcome } from '../runtime.js';
import { MemoryStore } from '../store/memory.js';
import type { Store } from '../store/store.js';
import { Plant, type Executor } from './plant.js';

export interface ScenarioFailure {
    /** 1-based index of the entry in the scenario (its source-map facet is `<scenario id>/entry:<n>`). */
    readonly entry: number;
    /** Seconds from batch start. */
    readonly at: number;
    readonly expected: string;
    readonly actual: string;
}

export interface ScenarioResult {
    readonly scenario: Scenario;
    readonly passed: boolean;
    readonly failure: ScenarioFailure | null;
    readonly batch: string;
    readonly plant: Plant;
    readonly runtime: Runtime;
    readonly epoch: number;
    readonly milliseconds: number;
}

export interface ScenarioOptions {
    readonly store?: Store;
    /** When the batch starts (ms since the epoch); default `scenarioEpoch(workflow)`. */
    readonly epoch?: number;
    readonly batch?: string;
    /** The virtual clock to run on, at the epoch (the server's tests share it with the server). */
    readonly clock?: VirtualClock;
    /** How commands are executed (default: the runner's own runtime). */
    readonly execute?: Executor;
}

/** Scenarios start at 08:00 UTC on the process's effective date, else on 2027-01-04. */
export function scenarioEpoch(workflow: SignedWorkflow): number {
    return Date.parse(`${workflow.process.effective ?? '2027-01-04'}T08:00:00Z`);
}

export async function runScenario(workflow: SignedWorkflow, scenario: Scenario, options: ScenarioOptions = {}): Promise<ScenarioResult> {
    const started = performance.now();
    const epoch = options.epoch ?? scenarioEpoch(workflow);
    const clock = options.clock ?? new VirtualClock(epoch);
    const runtime = new Runtime({ store: options.store ?? new MemoryStore(), clock, node: 'scenario' });
    const def = await runtime.load(workflow);
    const batch = options.batch ?? `${workflow.process.name}-${scenario.id.replace('scenario:', 'S')}`;
    const plant = new Plant(runtime, def, batch, batch, options.execute);
    const runner = new Runner(def, plant, clock, epoch, scenario);
    const failure = await runner.run();
    return { scenario, passed: failure === null, failure, batch, plant, runtime, epoch, milliseconds: performance.now() - started };
}

class Runner {
    private last: CommandOutcome | null = null;

    constructor(readonly def: Definition, readonly plant: Plant, readonly clock: VirtualClock, readonly epoch: number, readonly scenario: Scenario) {}

    async run(): Promise<ScenarioFailure | null> {
        const entries = this.scenario.entries;
        for (let i = 0; i < entries.length; i++) {
            const entry = entries[i];
            await this.plant.advanceTo(this.epoch + entry.at * 1000);
            const fail = (expected: string, actual: string): ScenarioFailure => ({ entry: i + 1, at: entry.at, expected, actual });
            if (entry.action) {
                this.last = await this.act(entry.action);
                const refusedExpected = entries[i + 1]?.expect?.kind === 'refused';
                if (!this.last.ok && !refusedExpected) return fail(`${actionText(this.def, entry.action)} to be accepted`, `refused (${this.last.code}): ${this.last.reason}`);
            } else if (entry.expect) {
                const problem = await this.check(entry.expect);
                if (problem) return fail(problem.expected, problem.actual);
            }
        }
        return null;
    }

    private async state(): Promise<BatchState | undefined> {
        return this.plant.state();
    }

    private async act(a: ScenarioAction): Promise<CommandOutcome> {
        const { plant, def } = this;
        const cast = plant.cast;
        const state = await this.state();
        const named = (user: string | null, role: Id | null) => (user ? cast.person(user, role) : null);
        const release = def.workflow.release;
        switch (a.kind) {
            case 'start-batch':
                return plant.exec({ type: 'start-batch', identity: a.identity }, cast.coordinator);
            case 'start-step': {
                const role = def.steps.get(a.step)?.performer ?? null;
                return plant.exec({ type: 'start-step', step: a.step }, named(a.user, role) ?? cast.holder(role));
            }
            case 'complete-step': {
                const actor = named(a.user, def.steps.get(a.step)?.performer ?? null) ?? plant.performerOf(state, a.step);
                await plant.prepareCompletion(a.step);
                return plant.exec({ type: 'complete-step', step: a.step }, actor);
            }
            case 'fail-step':
                return plant.exec({ type: 'fail-step', step: a.step }, named(a.user, def.steps.get(a.step)?.performer ?? null) ?? plant.performerOf(state, a.step));
            case 'record': {
                const step = def.parameters.get(a.parameter)?.step;
                return plant.exec({ type: 'record-value', parameter: a.parameter, value: valueOf(a.value) }, step ? plant.performerOf(state, step.id) : cast.coordinator);
            }
            case 'scan': {
                let actor = cast.coordinator;
                const transfer = a.target ? def.transfers.get(a.target) : undefined;
                if (a.target && def.steps.has(a.target)) actor = plant.performerOf(state, a.target);
                else if (transfer) actor = cast.holder(state && nodeOf(state, transfer.id).status === 'running' ? transfer.receiver : transfer.sender);
                return plant.exec({ type: 'scan', identity: a.identity, target: a.target }, a.user ? cast.person(a.user, actor.roles[0] ?? null) : actor);
            }
            case 'dispatch':
            case 'receive': {
                const transfer = def.transfers.get(a.transfer);
                const role = a.kind === 'dispatch' ? transfer?.sender ?? null : transfer?.receiver ?? null;
                const actor = named(a.user, role) ?? cast.holder(role);
                await plant.prepareTransfer(a.transfer, a.kind === 'dispatch' ? 'dispatch' : 'receipt', actor);
                const reading = a.reading ? { value: a.reading.value, unit: a.reading.unit } : null;
                return plant.exec({ type: a.kind, transfer: a.transfer, reading }, actor);
            }
            case 'verify':
                return plant.exec({ type: 'verify-step', step: a.step }, cast.person(a.user, def.steps.get(a.step)?.verifier?.role ?? null));
            case 'result':
                return plant.exec({ type: 'record-result', assay: a.assay, value: valueOf(a.value) }, cast.analyst);
            case 'raise':
                return plant.exec({ type: 'raise-deviation', deviation: a.deviation }, cast.coordinator, { reason: `raised in scenario "${this.scenario.title}"` });
            case 'disposition': {
                const role = def.deviations.get(a.deviation)?.disposition?.role ?? release?.role ?? null;
                return plant.exec({ type: 'disposition', deviation: a.deviation, option: a.option }, cast.holder(role));
            }
            case 'physician-acceptance':
                return plant.exec({ type: 'physician-acceptance', physician: a.physician ?? 'the treating physician' }, cast.holder(release?.exceptional?.role ?? release?.role ?? null));
            case 'release':
                return plant.exec({ type: 'release', exceptional: a.exceptional }, cast.holder((a.exceptional ? release?.exceptional?.role : release?.role) ?? null));
            case 'notify-authority':
                return plant.exec({ type: 'notify-authority' }, cast.holder(release?.role ?? null));
            case 'reject':
            case 'terminate':
                return plant.exec({ type: a.kind }, cast.holder(release?.role ?? null), { reason: `as scenario "${this.scenario.title}" says` });
        }
    }

    private async check(e: ScenarioExpectation): Promise<{ expected: string; actual: string } | null> {
        const state = await this.state();
        const def = this.def;
        const expected = expectationText(def, e);
        if (e.kind === 'refused') {
            if (!this.last) return { expected, actual: 'no action came before it' };
            if (this.last.ok) return { expected, actual: 'the action was accepted' };
            if (e.reason && !refusalMatches(this.last, e.reason)) return { expected, actual: `refused (${this.last.code}): ${this.last.reason}` };
            return null;
        }
        if (!state) return { expected, actual: 'no batch has been started' };
        switch (e.kind) {
            case 'batch': {
                const actual = batchStatus(state);
                return actual === e.state ? null : { expected, actual: `the batch is ${actual}` };
            }
            case 'step': {
                const view = nodeView(def, state, e.step, this.clock.now());
                if (view.status === e.state) return null;
                return { expected, actual: `${def.name(e.step)} is ${view.status}${view.blockers.length ? ` (${view.blockers.join('; ')})` : ''}` };
            }
            case 'deviation': {
                const instances = Object.values(state.deviations).filter(d => d.deviation === e.deviation);
                const actual = instances.length === 0 ? 'none' : instances.some(d => d.status === 'open') ? 'open' : 'closed';
                if (actual === e.state) return null;
                return { expected, actual: actual === 'none' ? `${def.name(e.deviation)} was never raised` : `${def.name(e.deviation)} is ${actual}` };
            }
        }
    }
}

/** `expect refused "…"` matches the refusal's code, or words of its reason (case and spacing aside). */
export function refusalMatches(outcome: { code: string; reason: string }, expected: string): boolean {
    const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();
    return outcome.code === expected.trim() || norm(outcome.reason).includes(norm(expected));
}

function valueOf(v: ScenarioValue): Value {
    switch (v.kind) {
        case 'quantity': return { kind: 'quantity', value: v.quantity.value, unit: v.quantity.unit };
        case 'choice': return { kind: 'choice', choice: v.choice };
        case 'text': return { kind: 'text', text: v.text };
    }
}

export function actionText(def: Definition, a: ScenarioAction): string {
    const n = (id: Id) => def.name(id);
    switch (a.kind) {
        case 'start-batch': return `start batch identity "${a.identity}"`;
        case 'start-step': return `start ${n(a.step)}`;
        case 'complete-step': return `complete ${n(a.step)}`;
        case 'fail-step': return `fail ${n(a.step)}`;
        case 'record': return `record ${n(a.parameter)}`;
        case 'scan': return `scan "${a.identity}"${a.target ? ` for ${n(a.target)}` : ''}`;
        case 'dispatch': case 'receive': return `${a.kind} ${n(a.transfer)}`;
        case 'verify': return `verify ${n(a.step)} by "${a.user}"`;
        case 'result': return `result ${n(a.assay)}`;
        case 'raise': return `raise ${n(a.deviation)}`;
        case 'disposition': return `disposition ${n(a.deviation)} ${a.option}`;
        case 'physician-acceptance': return 'physician acceptance';
        case 'release': return a.exceptional ? 'release exceptionally' : 'release';
        case 'notify-authority': return 'notify authority';
        case 'reject': case 'terminate': return a.kind;
    }
}

export function expectationText(def: Definition, e: ScenarioExpectation): string {
    switch (e.kind) {
        case 'deviation': return `deviation ${def.name(e.deviation)} ${e.state}`;
        case 'step': return `step ${def.name(e.step)} ${e.state}`;
        case 'batch': return `batch ${e.state}`;
        case 'refused': return e.reason ? `refused "${e.reason}"` : 'refused';
    }
}

export function entryText(def: Definition, entry: ScenarioEntry): string {
    return entry.action ? actionText(def, entry.action) : entry.expect ? `expect ${expectationText(def, entry.expect)}` : '';
}

