/** QC plans and the release gate, with its exceptional route. */
import {
    isAssayPassed, isAssayTurnaround, isChoiceSpec, isIdentityReconciled, isNoOpenDeviation, isPhysicianAcceptance,
    isQcPassed, isQuantitySpec, isStepComplete,
    type Qc, type Release as AstRelease, type ReleaseCondition,
} from '@coil/language';
import type { QcPlan, QcTest, Release, Requirement, Severity } from '../ir/types.js';
import type { Lowering } from './context.js';
import { ids } from './ids.js';
import { quantity, range } from './quantities.js';

export function lowerQc(lowering: Lowering, qc: Qc): QcPlan {
    const id = ids.qc(qc);
    lowering.at(id, qc);
    return {
        id,
        name: qc.name,
        step: lowering.required(qc.step, ids.step),
        material: lowering.ref(qc.material, ids.material),
        tests: qc.tests.map((test, i): QcTest => {
            lowering.at(`${id}/test:${i + 1}`, test);
            const assayTurnaround = test.assay?.ref?.members.find(isAssayTurnaround)?.turnaround;
            const spec: QcTest['spec'] = isQuantitySpec(test.spec) && range(test.spec.range)
                ? { kind: 'range', range: range(test.spec.range)! }
                : { kind: 'choice', choice: isChoiceSpec(test.spec) ? test.spec.choice?.ref?.name ?? test.spec.choice?.$refText ?? '?' : '?' };
            return {
                assay: lowering.required(test.assay, ids.assay),
                turnaround: quantity(test.turnaround ?? assayTurnaround),
                spec,
                pendingAllowed: test.pendingAllowed,
                onFail: lowering.ref(test.deviation, ids.deviation),
            };
        }),
    };
}

function requirement(lowering: Lowering, condition: ReleaseCondition): Requirement {
    const r = condition.requirement;
    if (isQcPassed(r)) return { kind: 'qc-passed', qc: lowering.ref(r.qc, ids.qc) };
    if (isAssayPassed(r)) return { kind: 'assay-passed', assay: lowering.required(r.assay, ids.assay) };
    if (isNoOpenDeviation(r)) return { kind: 'no-open-deviation', severity: (r.severity as Severity | undefined) ?? null, orAbove: r.orAbove };
    if (isIdentityReconciled(r)) return { kind: 'identity-reconciled' };
    if (isStepComplete(r)) return { kind: 'step-complete', step: lowering.required(r.step, ids.step) };
    if (isPhysicianAcceptance(r)) return { kind: 'physician-acceptance' };
    lowering.complete = false;
    return { kind: 'identity-reconciled' };
}

export function lowerRelease(lowering: Lowering, release: AstRelease): Release {
    release.conditions.forEach((c, i) => lowering.at(`release/requires:${i + 1}`, c));
    const exceptional = release.exceptional;
    if (exceptional) lowering.at('release/exceptional', exceptional);
    return {
        id: 'release',
        material: lowering.required(release.material, ids.material),
        role: lowering.required(release.role, ids.role),
        requires: release.conditions.map(c => requirement(lowering, c)),
        signatures: release.signatures.map(s => s.meaning),
        exceptional: exceptional ? {
            role: lowering.required(exceptional.role, ids.role),
            requires: exceptional.conditions.map(c => requirement(lowering, c)),
            notifyAuthorityWithin: quantity(exceptional.notifyWithin),
            signatures: exceptional.signatures.map(s => s.meaning),
        } : null,
    };
}
