/**
 * A declaration summed up for hover, as a reviewer of the batch record wants it: a role with the
 * qualifications it requires, a material with its origin and storage, a step with where, who and
 * how long, a transfer with its route, window and temperature, an assay with its turnaround, a
 * hold with its limits. Durations are shown in two units (see quantity-text.ts).
 */
import type { AstNode } from 'langium';
import {
    isAssay, isAssayMethod, isAssayResult, isAssayTurnaround, isChoice, isChoiceParameter, isChoiceResult, isConsumes, isDurationSpec, isHold, isMaterial, isMaterialContainer,
    isMaterialOrigin, isMaterialStability, isMaterialStorage, isProduces, isRole, isStep, isTransfer, isTransferCondition,
    isTransferIdentity, isTransferLimit,
    type Assay, type Choice, type Hold, type Material, type Role, type Step, type Transfer,
} from '../generated/ast.js';
import { quantityText, rangeText } from './quantity-text.js';

/** The summary lines of `node`, or undefined for declarations shown as written. */
export function summaryOf(node: AstNode): string[] | undefined {
    if (isRole(node)) return roleSummary(node);
    if (isMaterial(node)) return materialSummary(node);
    if (isStep(node)) return stepSummary(node);
    if (isTransfer(node)) return transferSummary(node);
    if (isAssay(node)) return assaySummary(node);
    if (isHold(node)) return holdSummary(node);
    if (isChoice(node)) return choiceSummary(node);
    return undefined;
}

function roleSummary(role: Role): string[] {
    const required = role.qualifications.map(q => (q.ref ? `${q.ref.name}${q.ref.title ? ` (${q.ref.title})` : ''}` : q.$refText));
    return [required.length ? `Requires: ${required.join(', ')}` : 'Requires no qualification'];
}

function materialSummary(material: Material): string[] {
    return material.members.map(member =>
        isMaterialOrigin(member) ? `Origin: ${member.origin}`
        : isMaterialContainer(member) ? `Container: ${member.container}`
        : isMaterialStorage(member) ? `Storage: ${rangeText(member.range)}`
        : isMaterialStability(member) ? `Stable outside storage for ${quantityText(member.limit)}`
        : '').filter(Boolean);
}

function stepSummary(step: Step): string[] {
    const who = [
        step.performer && `By: ${step.performer.$refText}`,
        step.verifier && `verified by ${step.sameRole ? 'another ' : ''}${step.verifier.$refText}`,
    ].filter(Boolean).join(', ');
    const duration = step.members.find(isDurationSpec);
    return [
        step.location && `At: ${written(step.location)}`,
        who,
        step.after.length > 0 && `After: ${step.after.map(a => a.$refText).join(', ')}`,
        duration && `Duration: ${rangeText(duration.range)}`,
        ...step.members.filter(isConsumes).map(c => `Consumes: ${c.items.map(written).join(', ')}`),
        ...step.members.filter(isProduces).map(p => `Produces: ${p.items.map(written).join(', ')}`),
    ].filter((line): line is string => Boolean(line));
}

function transferSummary(transfer: Transfer): string[] {
    const route = `${transfer.material?.$refText} from ${written(transfer.source)} to ${written(transfer.destination)}`;
    return [
        transfer.carrier ? `${route}, carried by ${transfer.carrier.$refText}` : route,
        ...transfer.members.map(member =>
            isTransferLimit(member) ? `Within: ${quantityText(member.limit)}`
            : isTransferCondition(member) ? `Keep: ${rangeText(member.range)}`
            : isTransferIdentity(member) ? `Identity verified at ${member.ends.join(', ')}`
            : ''),
    ].filter(Boolean);
}

function assaySummary(assay: Assay): string[] {
    return assay.members.map(member =>
        isAssayMethod(member) ? `Method: ${member.method}`
        : isAssayTurnaround(member) ? `Turnaround: ${quantityText(member.turnaround)}`
        : isAssayResult(member) ? `Result: ${written(member.type)}`
        : '').filter(Boolean);
}

function holdSummary(hold: Hold): string[] {
    return [
        `${hold.material?.$refText} waits from ${written(hold.start)} to ${written(hold.end)}`,
        hold.min && `At least ${quantityText(hold.min)}`,
        hold.max && `At most ${quantityText(hold.max)}`,
        hold.storage && `Stored at ${rangeText(hold.storage)}`,
        hold.deviation && `On breach: raises ${hold.deviation.$refText}`,
    ].filter((line): line is string => Boolean(line));
}

function choiceSummary(choice: Choice): string[] {
    const owner = choice.$container;
    const all = owner.choices.map(c => c.name).join(', ');
    if (isChoiceParameter(owner)) {
        const parameter = owner.$container;
        const expected = owner.expected.map(e => e.$refText);
        return [
            `A choice of \`${parameter.name}\`${parameter.title ? ` (${parameter.title})` : ''}, recorded in step ${parameter.$container.name}: ${all}`,
            ...(expected.length > 0 ? [`Expected: ${expected.join(', ')}`] : []),
        ];
    }
    return isChoiceResult(owner) ? [`A result of assay ${owner.$container.$container.name}: ${all}`] : [];
}

/** A node's text as written, on one line. */
function written(node: AstNode | undefined): string {
    return node?.$cstNode?.text.replace(/\s+/g, ' ') ?? '';
}
