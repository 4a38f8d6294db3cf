/**
 * QC and release: each assay has a result type and a turnaround, each specification fits its
 * assay, release names only assays some QC plan tests, and release is signed. An exceptional
 * (out-of-specification) release needs the treating physician's documented acceptance.
 */
import type { ValidationAcceptor, ValidationChecks } from 'langium';
import type { Assay, CoilAstType, QcTest, Release } from '../generated/ast.js';
import {
    isAssayPassed, isAssayResult, isAssayTurnaround, isChoiceResult, isChoiceSpec, isPhysicianAcceptance,
    isQc, isQcPassed, isQuantityResult, isQuantitySpec, isTextResult,
} from '../generated/ast.js';
import { formatQuantity, knownUnit, rangeQuantities, unitOf } from './quantities.js';
import { processOf } from '../process-model.js';
import { report } from './report.js';

export const qcReleaseChecks: ValidationChecks<CoilAstType> = {
    Assay: (assay: Assay, accept) => {
        if (!assay.members.some(isAssayResult)) {
            report(accept, 'COIL-Q004', `Assay ${assay.name} does not say what it reports. Add e.g. 'result quantity in %' or 'result choice detected, not_detected'.`, { node: assay, property: 'name' });
        }
        if (!assay.members.some(isAssayTurnaround)) {
            report(accept, 'COIL-Q008', `Assay ${assay.name} has no turnaround, so release timing cannot count it. Add e.g. 'turnaround 14 d'.`, { node: assay, property: 'name' });
        }
    },
    QcTest: (test: QcTest, accept) => checkSpec(test, accept),
    Release: (release: Release, accept) => {
        if (release.signatures.length === 0) {
            report(accept, 'COIL-Q005', `Release of ${release.material?.$refText ?? 'the product'} is not signed. Add e.g. 'sign "Released for infusion"': Part 11 needs the meaning of each signature.`, { node: release, property: 'material' });
        }
        if (release.conditions.length === 0) {
            report(accept, 'COIL-Q007', `Release of ${release.material?.$refText ?? 'the product'} has no conditions. Add e.g. 'requires qc passed' and 'requires no open deviation'.`, { node: release, property: 'material' });
        }
        const exceptional = release.exceptional;
        if (exceptional && exceptional.signatures.length === 0) {
            report(accept, 'COIL-Q005', `The exceptional release of ${release.material?.$refText ?? 'the product'} is not signed. Add e.g. 'sign "Released out of specification"': Part 11 needs the meaning of each signature.`, { node: exceptional, keyword: 'exceptional' });
        }
        if (exceptional && !exceptional.conditions.some(c => isPhysicianAcceptance(c.requirement))) {
            report(accept, 'COIL-Q006', `An exceptional release ships an out-of-specification product; it needs the treating physician's documented acceptance. Add 'requires physician acceptance'.`, { node: exceptional });
        }
        const hasQc = processOf(release)?.elements.some(isQc) ?? false;
        for (const condition of [...release.conditions, ...(exceptional?.conditions ?? [])]) {
            const requirement = condition.requirement;
            if (isQcPassed(requirement) && !requirement.qc && !hasQc) {
                report(accept, 'COIL-Q009', `Release requires QC to pass, but this process has no QC plan, so the condition can never be met. Add a qc block, e.g. 'qc ReleaseTesting on <Step> of ${release.material?.$refText ?? '<Material>'} { test Sterility expect no_growth }'.`, { node: requirement });
            }
        }
        const tested = new Set(processOf(release)?.elements.filter(isQc).flatMap(qc => qc.tests.map(t => t.assay?.ref)) ?? []);
        for (const condition of [...release.conditions, ...(exceptional?.conditions ?? [])]) {
            const requirement = condition.requirement;
            if (isAssayPassed(requirement) && requirement.assay?.ref && !tested.has(requirement.assay.ref)) {
                report(accept, 'COIL-Q002', `Release requires ${requirement.assay.ref.name} to pass, but no QC plan of this process tests it. Add 'test ${requirement.assay.ref.name} expect ...' to a qc block.`, { node: requirement, property: 'assay' });
            }
        }
    },
};

function checkSpec(test: QcTest, accept: ValidationAcceptor): void {
    const assay = test.assay?.ref;
    const result = assay?.members.find(isAssayResult)?.type;
    if (!assay || !result) return;
    const spec = test.spec;
    if (isTextResult(result)) {
        report(accept, 'COIL-Q003', `${assay.name} reports free text, which no specification can be checked against. Give the assay a quantity or choice result.`, { node: spec });
    } else if (isChoiceResult(result) && isQuantitySpec(spec)) {
        report(accept, 'COIL-Q003', `${assay.name} reports one of ${result.choices.map(c => c.name).join(', ')}; expect one of those, not a quantity.`, { node: spec });
    } else if (isQuantityResult(result) && isChoiceSpec(spec)) {
        report(accept, 'COIL-Q003', `${assay.name} reports a quantity in ${result.unit}; expect a bound or range such as '>= 70 %', not a choice.`, { node: spec });
    } else if (isQuantityResult(result) && isQuantitySpec(spec)) {
        const expected = knownUnit(result.unit);
        for (const q of rangeQuantities(spec.range)) {
            const actual = unitOf(q);
            if (expected && actual && expected.key !== actual.key) {
                // A compound unit's description already names the unit ("a quantity in copies/cell").
                const reported = expected.description.includes(result.unit) ? expected.description : `${expected.description} (${result.unit})`;
                report(accept, 'COIL-Q003', `${assay.name} reports ${reported}, but this specification uses ${formatQuantity(q)}, ${actual.description}.`, { node: q });
                break;
            }
        }
    }
}
