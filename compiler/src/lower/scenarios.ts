/** Scenarios: timelines of commands and expectations, with times in seconds from batch start. */
import {
    isAcceptanceAction, isBatchExpectation, isChoiceValue, isDeviationExpectation, isDispositionAction, isNotifyAuthorityAction,
    isQuantityValue, isRaiseAction, isRecordAction, isRefusedExpectation, isRejectAction, isReleaseAction, isResultAction,
    isScanAction, isStartBatch, isStepAction, isStepExpectation, isTerminateAction, isTextValue, isTransferAction, isVerifyAction,
    type Scenario as AstScenario, type ScenarioEntry as AstEntry, type Value,
} from '@coil/language';
import type { DispositionOption, Scenario, ScenarioAction, ScenarioEntry, ScenarioExpectation, ScenarioValue } from '../ir/types.js';
import type { Lowering } from './context.js';
import { ids } from './ids.js';
import { quantity } from './quantities.js';

export function lowerScenario(lowering: Lowering, scenario: AstScenario, index: number): Scenario {
    const id = `scenario:${index + 1}`;
    lowering.at(id, scenario);
    // An entry without a time happens when the one before it did (the first, at batch start).
    let now = 0;
    const entries = scenario.entries.map((e, i) => {
        lowering.at(`${id}/entry:${i + 1}`, e);
        now = e.time ? quantity(e.time)?.value ?? now : now;
        return lowerEntry(lowering, e, now);
    });
    return { id, title: scenario.title, entries };
}

function value(lowering: Lowering, v: Value | undefined): ScenarioValue {
    if (isQuantityValue(v)) {
        const q = quantity(v.quantity);
        if (q) return { kind: 'quantity', quantity: q };
    }
    if (isChoiceValue(v)) return { kind: 'choice', choice: v.choice?.ref?.name ?? v.choice?.$refText ?? '?' };
    if (isTextValue(v)) return { kind: 'text', text: v.text };
    lowering.complete = false;
    return { kind: 'text', text: '' };
}

function lowerEntry(lowering: Lowering, entry: AstEntry, at: number): ScenarioEntry {
    if (entry.expectation) return { at, expect: expectation(lowering, entry.expectation.expected) };
    return { at, action: action(lowering, entry.action) };
}

function action(lowering: Lowering, a: AstEntry['action']): ScenarioAction {
    const user = (u: string | undefined) => u ?? null;
    if (isStartBatch(a)) return { kind: 'start-batch', identity: a.identity };
    if (isStepAction(a)) return { kind: `${a.verb}-step` as 'start-step', step: lowering.required(a.step, ids.step), user: user(a.user) };
    if (isRecordAction(a)) {
        const step = a.step?.ref;
        const parameter = a.parameter?.ref;
        if (!step || !parameter) lowering.complete = false;
        return { kind: 'record', parameter: step && parameter ? ids.parameter(step, parameter) : '?', value: value(lowering, a.value) };
    }
    if (isScanAction(a)) return { kind: 'scan', identity: a.identity, target: lowering.ref(a.target, ids.activity), user: user(a.user) };
    if (isTransferAction(a)) return { kind: a.verb as 'dispatch' | 'receive', transfer: lowering.required(a.transfer, ids.transfer), reading: quantity(a.reading), user: user(a.user) };
    if (isVerifyAction(a)) return { kind: 'verify', step: lowering.required(a.step, ids.step), user: a.user };
    if (isResultAction(a)) return { kind: 'result', assay: lowering.required(a.assay, ids.assay), value: value(lowering, a.value) };
    if (isRaiseAction(a)) return { kind: 'raise', deviation: lowering.required(a.deviation, ids.deviation) };
    if (isDispositionAction(a)) return { kind: 'disposition', deviation: lowering.required(a.deviation, ids.deviation), option: a.option as DispositionOption };
    if (isAcceptanceAction(a)) return { kind: 'physician-acceptance', physician: user(a.physician) };
    if (isReleaseAction(a)) return { kind: 'release', exceptional: a.exceptional };
    if (isNotifyAuthorityAction(a)) return { kind: 'notify-authority' };
    if (isRejectAction(a)) return { kind: 'reject' };
    if (isTerminateAction(a)) return { kind: 'terminate' };
    lowering.complete = false;
    return { kind: 'reject' };
}

function expectation(lowering: Lowering, e: NonNullable<AstEntry['expectation']>['expected']): ScenarioExpectation {
    if (isDeviationExpectation(e)) return { kind: 'deviation', deviation: lowering.required(e.deviation, ids.deviation), state: e.state as 'open' };
    if (isStepExpectation(e)) return { kind: 'step', step: lowering.required(e.step, ids.step), state: e.state as 'blocked' };
    if (isBatchExpectation(e)) return { kind: 'batch', state: e.state as 'in_progress' };
    if (isRefusedExpectation(e)) return { kind: 'refused', reason: e.reason ?? null };
    lowering.complete = false;
    return { kind: 'refused', reason: null };
}
