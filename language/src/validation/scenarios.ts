/**
 * Scenarios are executable tests: each starts a batch first, its times never go backwards, and
 * the values it records fit the parameters and assays they are for.
 */
import type { ValidationAcceptor, ValidationChecks } from 'langium';
import type { CoilAstType, Scenario, Value } from '../generated/ast.js';
import {
    isAssayResult, isChoiceParameter, isChoiceResult, isChoiceValue, isDateTimeParameter, isQuantityParameter,
    isQuantityResult, isQuantityValue, isStartBatch, isTextParameter, isTextValue, type ParameterType, type ResultType,
} from '../generated/ast.js';
import { formatDuration, type ResolvedUnit } from '../units/index.js';
import { canonical, formatQuantity, knownUnit, parameterUnit, unitOf } from './quantities.js';
import { report } from './report.js';

export const scenarioChecks: ValidationChecks<CoilAstType> = {
    Scenario: (scenario: Scenario, accept) => {
        const first = scenario.entries.find(e => e.action !== undefined);
        if (first && !isStartBatch(first.action)) {
            report(accept, 'COIL-S002', `Scenario "${scenario.title}" must begin with 'start batch identity "..."' before any other action.`, { node: first });
        } else if (!first) {
            report(accept, 'COIL-S002', `Scenario "${scenario.title}" does nothing. Begin it with 'start batch identity "..."'.`, { node: scenario, property: 'title' });
        }
        let last = 0;
        for (const entry of scenario.entries) {
            if (!entry.time || unitOf(entry.time)?.kind !== 'duration') continue;
            const at = canonical(entry.time)!;
            // A negative time is reported as such (COIL-U005), not as going backwards.
            if (at < 0) continue;
            if (at < last) {
                report(accept, 'COIL-S003', `This happens at ${formatQuantity(entry.time)}, before the previous entry at ${formatDuration(last)}. Scenario entries are written in time order.`, { node: entry, property: 'time' });
            }
            last = Math.max(last, at);
        }
    },
    RecordAction: (action, accept) => {
        const parameter = action.parameter?.ref;
        if (parameter && action.value) checkValue(action.value, describeParameterType(parameter.type), `${parameter.name}`, accept);
    },
    ResultAction: (action, accept) => {
        const result = action.assay?.ref?.members.find(isAssayResult)?.type;
        if (result && action.value) checkValue(action.value, describeResultType(result), `${action.assay.ref!.name}`, accept);
    },
};

type Expected = { kind: 'quantity'; unit?: ResolvedUnit } | { kind: 'choice' } | { kind: 'text' };

function describeParameterType(type: ParameterType): Expected {
    if (isQuantityParameter(type)) return { kind: 'quantity', unit: parameterUnit(type) };
    if (isChoiceParameter(type)) return { kind: 'choice' };
    if (isTextParameter(type) || isDateTimeParameter(type)) return { kind: 'text' };
    return { kind: 'text' };
}

function describeResultType(type: ResultType): Expected {
    if (isQuantityResult(type)) return { kind: 'quantity', unit: knownUnit(type.unit) };
    if (isChoiceResult(type)) return { kind: 'choice' };
    return { kind: 'text' };
}

function checkValue(value: Value, expected: Expected, what: string, accept: ValidationAcceptor): void {
    const given = isQuantityValue(value) ? 'quantity' : isChoiceValue(value) ? 'choice' : isTextValue(value) ? 'text' : undefined;
    if (given !== expected.kind) {
        const wanted = expected.kind === 'quantity' ? 'a quantity with its unit' : expected.kind === 'choice' ? 'one of its choices' : 'a quoted text';
        report(accept, 'COIL-S004', `${what} takes ${wanted}.`, { node: value });
        return;
    }
    if (isQuantityValue(value) && expected.kind === 'quantity' && expected.unit) {
        const actual = unitOf(value.quantity);
        if (actual && actual.key !== expected.unit.key) {
            report(accept, 'COIL-S004', `${what} is ${expected.unit.description}, but ${formatQuantity(value.quantity)} is ${actual.description}.`, { node: value });
        }
    }
}
