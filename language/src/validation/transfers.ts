/**
 * Transfers are the custody checkpoints: each has a time limit and temperature limits, goes
 * somewhere else, and is signed by a sender and a different receiver.
 */
import type { ValidationChecks } from 'langium';
import type { CoilAstType, Location, Transfer } from '../generated/ast.js';
import { isTransferCondition, isTransferLimit, isTransferSignature } from '../generated/ast.js';
import { handlesDeviations } from './holds.js';
import { formatQuantity, formatRange } from './quantities.js';
import { report } from './report.js';

function sameLocation(a: Location, b: Location): boolean {
    return a?.site?.ref !== undefined && a.site.ref === b?.site?.ref && a.room?.ref === b.room?.ref;
}

export const transferChecks: ValidationChecks<CoilAstType> = {
    Transfer: (transfer: Transfer, accept) => {
        const name = transfer.name;
        if (!transfer.members.some(isTransferLimit)) {
            report(accept, 'COIL-C001', `Transfer ${name} has no time limit. Add the shipper's validated window, e.g. 'within 30 h'.`, { node: transfer, property: 'name' });
        }
        if (!transfer.members.some(isTransferCondition)) {
            report(accept, 'COIL-C003', `Transfer ${name} sets no temperature limits. Add e.g. 'keep 2 °C .. 8 °C' (fresh) or 'keep <= -150 °C' (cryopreserved).`, { node: transfer, property: 'name' });
        }
        if (sameLocation(transfer.source, transfer.destination)) {
            report(accept, 'COIL-C002', `Transfer ${name} goes from ${transfer.source.$cstNode?.text} to the same place. A transfer moves material between sites or rooms: correct its 'to' (or 'from').`, { node: transfer, property: 'destination' });
        }
        for (const member of handlesDeviations(transfer) ? transfer.members : []) {
            if (isTransferLimit(member) && member.limit && !member.deviation) {
                report(accept, 'COIL-D006', `Arriving after ${formatQuantity(member.limit)} raises no deviation: the late delivery would be detected and nothing done. Add 'on late raise <Deviation>' after the limit.`, { node: member, property: 'limit' });
            }
            if (isTransferCondition(member) && member.range && !member.deviation) {
                report(accept, 'COIL-D006', `A temperature outside ${member.range ? formatRange(member.range) : 'this range'} raises no deviation: the excursion would be detected and nothing done. Add 'on excursion raise <Deviation>' after the range.`, { node: member, property: 'range' });
            }
        }
        const parties = transfer.members.filter(isTransferSignature).flatMap(s => s.parties);
        const sender = parties.find(p => p.end === 'sender');
        const receiver = parties.find(p => p.end === 'receiver');
        if (!sender || !receiver) {
            const missing = [!sender && 'sender', !receiver && 'receiver'].filter(Boolean).join(' and ');
            report(accept, 'COIL-C004', `Transfer ${name} is not signed by its ${missing}. Custody passes only with both signatures: add e.g. 'sign sender Courier, receiver Operator'.`, { node: transfer, property: 'name' });
        } else if (sender.role?.ref && sender.role.ref === receiver.role?.ref) {
            report(accept, 'COIL-C005', `Transfer ${name} is sent and received by the same role, ${sender.role.ref.name}: a custody hand-off needs two parties. Name the role that takes the material over as receiver.`, { node: receiver, property: 'role' });
        }
    },
};
