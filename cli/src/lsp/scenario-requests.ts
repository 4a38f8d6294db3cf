/**
 * `coil/scenarios` and `coil/runScenario`: the editor's test explorer. Scenarios are listed from
 * the document as it is in the editor (so that they sit on the right lines while it is edited);
 * one is run the way `coil test` runs it: compiled from the saved files, on the runtime's scenario
 * runner with a virtual clock and the in-memory store.
 */
import { findProject, isProcess, isScenario, type Model } from '@coil/language';
import type { LangiumDocument } from 'langium';
import { ErrorCodes, ResponseError } from 'vscode-languageserver';
import type { RunScenarioParams, RunScenarioResult, ScenarioFailureInfo, ScenariosResult } from './protocol.js';
import { compileSaved, fileOf, locationOf, problemsOf, refused } from './saved-compile.js';

/** The scenarios with a title, which names them: one still being typed may have none yet. */
export function scenariosOf(document: LangiumDocument): ScenariosResult {
    const processes = (document.parseResult.value as Model).elements.filter(isProcess);
    const scenarios = processes.flatMap(p => p.elements.filter(isScenario).flatMap(s => {
        const named = p.name !== undefined && s.title !== undefined && s.$cstNode !== undefined;
        return named ? [{ process: p.name, name: s.title, range: s.$cstNode!.range }] : [];
    }));
    return { scenarios };
}

export async function runScenarioOf(params: RunScenarioParams): Promise<RunScenarioResult> {
    const file = fileOf(params.uri);
    const result = await compileSaved(file);
    const problems = problemsOf(result);
    if (refused(result)) {
        const report = `The scenario "${params.name}" was not run: the process has errors. Fix them (see Problems) and run it again.\n`;
        return { outcome: 'errored', milliseconds: 0, failure: null, problems, timeline: '', report };
    }
    const found = result.processes
        .filter(p => params.process === undefined || p.name === params.process)
        .flatMap(p => p.workflow.scenarios.filter(s => s.title === params.name).map(scenario => ({ compiled: p, scenario })))[0];
    if (!found) throw new ResponseError(ErrorCodes.InvalidParams, `No scenario "${params.name}" in ${params.process ?? 'the processes of'} ${file} as saved.`);
    const runtime = await import('@coil/runtime/scenario');
    const run = await runtime.runScenario(found.compiled.workflow, found.scenario);
    const root = findProject(file).root;
    const nodes = found.compiled.sourceMap.nodes;
    const mapped = (run.failure ? nodes[`${found.scenario.id}/entry:${run.failure.entry}`] : undefined) ?? nodes[found.scenario.id] ?? null;
    // The same report `coil test` prints, with the file as it is named in the workspace.
    const report = runtime.renderText([{ process: found.compiled.name, file: mapped?.file ?? null, result: run, location: mapped }]);
    return {
        outcome: run.passed ? 'passed' : 'failed',
        milliseconds: run.milliseconds,
        failure: run.failure ? failureOf(run.failure, mapped ? locationOf(mapped, root) : null) : null,
        problems,
        timeline: runtime.renderTimeline(run.plant.timeline(run.epoch)),
        report,
    };
}

function failureOf(failure: { expected: string; actual: string }, location: ScenarioFailureInfo['location']): ScenarioFailureInfo {
    return { message: `Expected ${failure.expected}, but ${failure.actual}.`, expected: failure.expected, actual: failure.actual, location };
}
