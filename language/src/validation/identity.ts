/**
 * Chain of identity on the source: both ends of every transfer verify identity, steps that
 * handle patient material verify it, and a scenario's batch identity is valid in the declared
 * format (ISBT 128 check character included).
 */
import type { ValidationChecks } from 'langium';
import type { CoilAstType, Material, Step, Transfer } from '../generated/ast.js';
import { isConsumes, isIdentityCheck, isIdentityField, isMaterialOrigin, isProduces, isTransferIdentity } from '../generated/ast.js';
import { identityFormat } from '../identity/index.js';
import { processOf } from './names.js';
import { report } from './report.js';

export function originOf(material: Material | undefined): string | undefined {
    return material?.members.find(isMaterialOrigin)?.origin;
}

function isIdentityBearing(material: Material | undefined): boolean {
    const origin = originOf(material);
    return origin === 'patient' || origin === 'donor';
}

export const identityChecks: ValidationChecks<CoilAstType> = {
    Transfer: (transfer: Transfer, accept) => {
        const ends = new Set(transfer.members.filter(isTransferIdentity).flatMap(t => t.ends));
        const missing = (['dispatch', 'receipt'] as const).filter(end => !ends.has(end));
        if (missing.length > 0) {
            report(accept, 'COIL-I002', `Transfer ${transfer.name} does not verify identity at ${missing.join(' and ')}. Every hand-off scans the label: add 'verify identity at dispatch, receipt'.`, { node: transfer, property: 'name' });
        }
    },
    Step: (step: Step, accept) => {
        const verified = new Set(step.members.filter(isIdentityCheck).map(c => c.material?.ref));
        // Every patient or donor material the step takes in is verified; what it makes carries the
        // identity on, so a step that verifies nothing must not produce such material either.
        const items = step.members.flatMap(m => (isConsumes(m) || (verified.size === 0 && isProduces(m)) ? m.items : []));
        const bearing = items.map(i => i.material?.ref).find(m => isIdentityBearing(m) && !verified.has(m));
        if (bearing) {
            report(accept, 'COIL-I004', `Step ${step.name} handles ${originOf(bearing)} material ${bearing.name} but never verifies its identity. Add 'verify identity of ${bearing.name}'.`, { node: step, property: 'name' });
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
