/**
 * The tables an operator fills in at a step: parameters with their acceptance criteria, identity
 * scans and signatures, each row with empty cells for the recorded value, who and when
 * (ALCOA: attributable and contemporaneous).
 */
import type { IdentityCheck, Parameter, ParameterType, Signature, Step } from '../../ir/types.js';
import { blank, table, text, type Html } from './html.js';
import { range, type Names } from './names.js';

export function parameterTable(step: Step, names: Names): Html {
    const rows = step.parameters.map((p, i) => [
        String(i + 1),
        `<code>${text(p.name)}</code>`,
        p.title ? text(p.title) : '<span class="none">—</span>',
        typeOf(p.type),
        acceptanceOf(p),
        p.onOutOfRange ? names.titled(p.onOutOfRange) : '—',
        blank(), blank(), blank(),
    ]);
    return table(['#', 'Parameter', 'Title', 'Type / unit', 'Acceptance', 'Deviation if out of range', 'Recorded value', 'By', 'Date, time'], rows, 'record parameters');
}

function typeOf(type: ParameterType): Html {
    switch (type.kind) {
        case 'quantity': return `quantity, ${text(type.display)}`;
        case 'choice': return `choice: ${type.choices.map(c => `<code>${text(c)}</code>`).join(', ')}`;
        case 'text': return 'text';
        case 'datetime': return 'date and time';
    }
}

function acceptanceOf(p: Parameter): Html {
    const type = p.type;
    if (type.kind === 'quantity') return type.acceptance ? range(type.acceptance) : '<span class="none">no limit (recorded only)</span>';
    if (type.kind === 'choice') {
        return type.expected.length > 0
            ? `expected: ${type.expected.map(c => `<code>${text(c)}</code>`).join(' or ')}`
            : '<span class="none">any choice</span>';
    }
    return '<span class="none">recorded only</span>';
}

export function identityTable(checks: readonly IdentityCheck[], names: Names): Html {
    const rows = checks.map(c => [
        names.title(c.material),
        c.independent ? '<strong>independent double check</strong>: two people scan separately' : 'label scanned against the batch identity',
        c.onMismatch ? names.titled(c.onMismatch) : '—',
        blank(),
        c.independent ? `${blank()}<br>${blank()}` : blank(),
        blank(),
    ]);
    return table(['Material', 'Check', 'Deviation on mismatch', 'Identity scanned', 'By', 'Date, time'], rows, 'record identity');
}

/** Signature lines (21 CFR 11.50: printed name, date and time, meaning). */
export function signatureTable(signatures: readonly Signature[], names: Names, roles: Parameters<Names['signer']>[1]): Html {
    const rows = signatures.map(s => [text(s.meaning), names.signer(s.by, roles), blank(), blank(), blank()]);
    return table(['Meaning', 'Signed by (role)', 'Printed name', 'Signature', 'Date, time'], rows, 'record signatures');
}

/** Materials a step consumes and produces, with room to record the label or lot actually used. */
export function materialTable(step: Step, names: Names): Html {
    const rows = [
        ...step.consumes.map(u => [names.title(u.material), 'consumed', String(u.count), blank()]),
        ...step.produces.map(u => [names.title(u.material), 'produced', String(u.count), blank()]),
    ];
    return table(['Material', 'Use', 'Count', 'Lot / label recorded'], rows, 'record materials');
}

export function equipmentTable(step: Step, names: Names, roomOf: (equipment: string) => string | null): Html {
    const rows = step.equipment.map(e => [names.titled(e), names.title(roomOf(e)) || '—', blank(), blank()]);
    return table(['Equipment', 'Room', 'Asset number used', 'Calibration / cleaning status checked'], rows, 'record equipment');
}
