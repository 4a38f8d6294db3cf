/**
 * QC and release: every QC plan release waits for is sampled before the release gate, and an
 * assay allowed to be pending at release raises a deviation if it later fails.
 */
import type { Id, Workflow } from '../ir/types.js';
import type { Finding } from './finding.js';
import { completingChoices, flowModel, skippedBy } from './flow-model.js';
import { testsReleaseWaitsFor } from './schedule.js';

export function qcBeforeRelease(workflow: Workflow): Finding[] {
    const findings: Finding[] = [];
    const model = flowModel(workflow);
    if (workflow.release && model.nodes.has('release')) {
        const afterRelease = new Set<Id>();
        const queue: Id[] = ['release'];
        while (queue.length > 0) {
            for (const e of model.out.get(queue.pop()!) ?? []) {
                if (e.kind === 'rework' || afterRelease.has(e.to)) continue;
                afterRelease.add(e.to);
                queue.push(e.to);
            }
        }
        const required = new Set<Id>();
        for (const r of workflow.release.requires) {
            if (r.kind === 'qc-passed') (r.qc ? [r.qc] : workflow.qc.map(q => q.id)).forEach(id => required.add(id));
            if (r.kind === 'assay-passed') {
                // The assay passing in any plan sampled before release is enough: a post-release plan may test it again.
                const testing = workflow.qc.filter(q => q.tests.some(t => t.assay === r.assay));
                if (testing.every(q => afterRelease.has(q.step))) testing.forEach(q => required.add(q.id));
            }
        }
        for (const plan of workflow.qc) {
            if (!required.has(plan.id) || !afterRelease.has(plan.step)) continue;
            findings.push({
                code: 'COIL-Q010',
                at: plan.id,
                message: `QC plan ${plan.name} samples ${plan.step.replace(/^step:/, '')}, which comes after release, so release would wait for results that cannot exist yet. Sample a step before the release, or move the release after ${plan.step.replace(/^step:/, '')}.`,
            });
        }
    }
    findings.push(...samplesSkipped(workflow));
    for (const plan of workflow.qc) {
        plan.tests.forEach((test, i) => {
            if (!test.pendingAllowed || test.onFail) return;
            const assay = test.assay.replace(/^assay:/, '');
            findings.push({
                code: 'COIL-Q011',
                at: `${plan.id}/test:${i + 1}`,
                message: `${assay} may still be pending at release, but a failure after release raises no deviation, so nobody would act on it (the product may already be infused). Add 'on fail raise <Deviation>' to this test.`,
            });
        });
    }
    return findings;
}

/** A goto that jumps over the step a QC plan samples, where release waits for that plan's results. */
function samplesSkipped(workflow: Workflow): Finding[] {
    const model = flowModel(workflow);
    const waited = testsReleaseWaitsFor(workflow);
    if (!workflow.release || waited.length === 0) return [];
    const findings = new Map<string, Finding>();
    for (const choices of completingChoices(model)) {
        const skipped = skippedBy(model, choices);
        if (skipped.has('release')) continue;
        for (const { plan } of waited) {
            if (!skipped.has(plan.step)) continue;
            for (const [decision, outcome] of choices) {
                if (outcome.kind !== 'goto' || !skippedBy(model, new Map([[decision, outcome]])).has(plan.step)) continue;
                const key = `${decision} ${plan.id}`;
                if (findings.has(key)) continue;
                const step = plan.step.replace(/^step:/, '');
                findings.set(key, {
                    code: 'COIL-Q012',
                    at: decision,
                    message: `'goto ${outcome.target.replace(/^\w+:/, '')}' in ${decision.replace(/^decision:/, '')} jumps over ${step}, which QC plan ${plan.name} samples, and release waits for that plan: a batch that takes this way can never be released. Sample a step every way passes, allow the tests to be pending at release, or make the goto lead to ${step}.`,
                });
            }
        }
    }
    return [...findings.values()];
}

