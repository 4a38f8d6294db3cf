/** Steps and transfers, with their parameters, identity checks, signatures and limits. */
import {
    isChoiceParameter, isConsumes, isDateTimeParameter, isDurationSpec, isEquipmentUse, isIdentityCheck, isIdentityWaiver, isOnFailure,
    isParameter, isPartySigner, isProduces, isQuantityParameter, isRoleSigner, isSignature, isTextParameter,
    isTransferCondition, isTransferIdentity, isTransferLimit, isTransferSignature, parameterUnit,
    type Location, type MaterialAmount, type Parameter as AstParameter, type Step as AstStep, type Transfer as AstTransfer,
} from '@coil/language';
import type { MaterialUse, Parameter, ParameterType, Place, Signature, Step, Transfer } from '../ir/types.js';
import type { Lowering } from './context.js';
import { ids } from './ids.js';
import { quantity, range } from './quantities.js';

export function place(lowering: Lowering, location: Location | undefined): Place | null {
    if (!location) return null;
    return {
        site: lowering.required(location.site, ids.site),
        room: location.room ? lowering.ref(location.room, ids.room) : null,
    };
}

function materialUses(lowering: Lowering, items: readonly MaterialAmount[]): MaterialUse[] {
    return items.map(item => ({ material: lowering.required(item.material, ids.material), count: item.count ?? 1 }));
}

export function lowerStep(lowering: Lowering, step: AstStep): Step {
    const id = ids.step(step);
    lowering.at(id, step);
    const duration = step.members.find(isDurationSpec);
    if (duration) lowering.at(`${id}/duration`, duration);
    const durationRange = duration ? range(duration.range) : null;
    const signatures: Signature[] = step.members.filter(isSignature).map(s => ({
        by: isPartySigner(s.signer) ? s.signer.party : isRoleSigner(s.signer) ? lowering.required(s.signer.role, ids.role) : '?',
        meaning: s.meaning,
    }));
    step.members.filter(isIdentityCheck).forEach((c, i) => lowering.at(`${id}/identity:${i}`, c));
    return {
        id,
        name: step.name,
        title: step.title ?? null,
        place: place(lowering, step.location),
        performer: lowering.ref(step.performer, ids.role),
        verifier: step.verifier ? { role: lowering.required(step.verifier, ids.role), sameRoleAllowed: step.sameRole } : null,
        duration: duration && durationRange ? { min: durationRange.min, max: durationRange.max, onLate: lowering.ref(duration.deviation, ids.deviation) } : null,
        consumes: step.members.filter(isConsumes).flatMap(c => materialUses(lowering, c.items)),
        produces: step.members.filter(isProduces).flatMap(p => materialUses(lowering, p.items)),
        equipment: step.members.filter(isEquipmentUse).flatMap(e => e.equipment.map(r => lowering.required(r, ids.equipment))),
        parameters: step.members.filter(isParameter).map(p => lowerParameter(lowering, step, p)),
        identityChecks: step.members.filter(isIdentityCheck).map(c => ({
            material: lowering.required(c.material, ids.material),
            independent: c.independent,
            onMismatch: lowering.ref(c.deviation, ids.deviation),
        })),
        identityNotVerified: step.members.find(isIdentityWaiver)?.reason ?? null,
        signatures,
        onFailure: lowering.ref(step.members.find(isOnFailure)?.deviation, ids.deviation),
    };
}

function lowerParameter(lowering: Lowering, step: AstStep, p: AstParameter): Parameter {
    const id = ids.parameter(step, p);
    lowering.at(id, p);
    let type: ParameterType;
    const t = p.type;
    if (isQuantityParameter(t)) {
        const unit = parameterUnit(t);
        type = { kind: 'quantity', unit: unit?.canonicalUnit ?? '', display: unit?.written ?? '', acceptance: t.range ? range(t.range) : null };
    } else if (isChoiceParameter(t)) {
        type = { kind: 'choice', choices: t.choices.map(c => c.name), expected: t.expected.map(e => e.ref?.name ?? e.$refText) };
    } else if (isTextParameter(t)) {
        type = { kind: 'text' };
    } else if (isDateTimeParameter(t)) {
        type = { kind: 'datetime' };
    } else {
        lowering.complete = false;
        type = { kind: 'text' };
    }
    return { id, name: p.name, title: p.title ?? null, type, onOutOfRange: lowering.ref(p.deviation, ids.deviation) };
}

export function lowerTransfer(lowering: Lowering, transfer: AstTransfer): Transfer {
    const id = ids.transfer(transfer);
    lowering.at(id, transfer);
    const limit = transfer.members.find(isTransferLimit);
    const condition = transfer.members.find(isTransferCondition);
    const identity = transfer.members.filter(isTransferIdentity);
    const parties = transfer.members.filter(isTransferSignature).flatMap(s => s.parties);
    if (limit) lowering.at(`${id}/limit`, limit);
    if (condition) lowering.at(`${id}/keep`, condition);
    if (identity[0]) lowering.at(`${id}/identity`, identity[0]);
    lowering.at(`${id}/from`, transfer.source);
    lowering.at(`${id}/to`, transfer.destination);
    const maxLimit = limit ? quantity(limit.limit) : null;
    const keep = condition ? range(condition.range) : null;
    const party = (end: 'sender' | 'receiver') => {
        const p = parties.find(x => x.end === end);
        return p ? lowering.ref(p.role, ids.role) : null;
    };
    const ends = new Set(identity.flatMap(i => i.ends as Array<'dispatch' | 'receipt'>));
    return {
        id,
        name: transfer.name,
        title: transfer.title ?? null,
        material: lowering.required(transfer.material, ids.material),
        from: place(lowering, transfer.source) ?? { site: '?', room: null },
        to: place(lowering, transfer.destination) ?? { site: '?', room: null },
        carrier: lowering.ref(transfer.carrier, ids.role),
        limit: limit && maxLimit ? { max: maxLimit, onLate: lowering.ref(limit.deviation, ids.deviation) } : null,
        condition: condition && keep ? { range: keep, onExcursion: lowering.ref(condition.deviation, ids.deviation) } : null,
        verifyIdentityAt: (['dispatch', 'receipt'] as const).filter(e => ends.has(e)),
        onMismatch: lowering.ref(identity.find(i => i.deviation)?.deviation, ids.deviation),
        sender: party('sender'),
        receiver: party('receiver'),
    };
}
