/**
 * Chain of identity on the source: both ends of every transfer verify identity, steps that
 * handle patient material verify it, and a scenario's batch identity is valid in the declared
 * format (ISBT 128 check character included).
 */
import type { ValidationChecks } from 'langium';
import type { CoilAstType, Material, Step, Transfer } from '../generated/ast.js';
import { isConsumes, isIdentityCheck, isIdentityField, isIdentityWaiver, isMaterialOrigin, isProduces, isTransferIdentity } from '../generated/ast.js';
import { identityFormat } from '../identity/index.js';
import { processOf } from '../process-model.js';
import { report } from './report.js';

export function originOf(material: Material | undefined): string | undefined {
    return material?.members.find(isMaterialOrigin)?.origin;
}

/** Patient or donor material carries a patient's (or donor's) identity; so does material whose origin is not given, to be safe. */
export function isIdentityBearing(material: Material | undefined): boolean {
    if (!material) return false;
    const origin = originOf(material);
    return origin === undefined || origin === 'patient' || origin === 'donor';
}

/** Patient or donor material by its declared origin: what a step must verify (COIL-I004). */
function isPatientOrDonor(material: Material | undefined): material is Material {
    const origin = originOf(material);
    return origin === 'patient' || origin === 'donor';
}

export const identityChecks: ValidationChecks<CoilAstType> = {
    Transfer: (transfer: Transfer, accept) => {
        // A reagent (a vector shipment, say) carries no patient's identity, so needs no identity scan.
        if (!isIdentityBearing(transfer.material?.ref)) return;
        const ends = new Set(transfer.members.filter(isTransferIdentity).flatMap(t => t.ends));
        const missing = (['dispatch', 'receipt'] as const).filter(end => !ends.has(end));
        if (missing.length > 0) {
            report(accept, 'COIL-I002', `Transfer ${transfer.name} does not verify identity at ${missing.join(' and ')}. Every hand-off scans the label: add 'verify identity at dispatch, receipt'.`, { node: transfer, property: 'name' });
        }
    },
    Step: (step: Step, accept) => {
        const waiver = step.members.find(isIdentityWaiver);
        if (waiver) {
            // A missing reason is a syntax error, reported as such; an empty one is this check's.
            if (waiver.reason !== undefined && waiver.reason.trim() === '') {
                report(accept, 'COIL-I006', `Say why step ${step.name} does not verify identity: the reason is part of the batch record, e.g. identity not verified "closed system: the bag stays connected from Select".`, { node: waiver, property: 'reason' });
            }
            return;
        }
        const checks = step.members.filter(isIdentityCheck);
        // A check of a name that does not resolve may be the missing one: that name is the mistake to report.
        if (checks.some(c => !c.material?.ref)) return;
        const verified = new Set(checks.map(c => c.material?.ref));
        // Every patient or donor material the step takes in is verified. What it makes carries the
        // identity on: it is covered when the step verifies it, or verifies the patient or donor
        // material it is made from; verifying only a reagent covers nothing.
        const consumed = step.members.filter(isConsumes).flatMap(m => m.items.map(i => i.material?.ref)).filter(isPatientOrDonor);
        const sourceVerified = consumed.some(m => verified.has(m));
        const reported = new Set<Material>();
        for (const member of step.members) {
            if (!isConsumes(member) && !isProduces(member)) continue;
            for (const item of member.items) {
                const material = item.material?.ref;
                if (!isPatientOrDonor(material) || verified.has(material) || reported.has(material)) continue;
                if (isProduces(member) && sourceVerified) continue;
                reported.add(material);
                report(accept, 'COIL-I004', `Step ${step.name} handles ${originOf(material)} material ${material.name} but never verifies its identity. Add 'verify identity of ${material.name}'.`, { node: step, property: 'name' });
            }
        }
    },
    StartBatch: (start, accept) => {
        const formatName = processOf(start)?.header.find(isIdentityField)?.format;
        const format = formatName ? identityFormat(formatName) : undefined;
        if (!format) return;
        if (start.identity === undefined) return;
        const parsed = format.parse(start.identity);
        if (!parsed.ok) {
            report(accept, 'COIL-I003', `${parsed.message}. The process identifies batches by ${format.description}; e.g. "${format.example}".`, { node: start, property: 'identity' });
        }
    },
};
