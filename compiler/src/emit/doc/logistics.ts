/**
 * Sections "Holds", "Transfers" and "Materials": the time and temperature limits material lives
 * under between steps, the chain of custody at each hand-off (who sends, who receives, identity
 * scans, temperature), and what each material is.
 */
import type { EventRef, Transfer, Workflow } from '../../ir/types.js';
import { blank, facts, section, table, text, type Html } from './html.js';
import { sectionTitle } from './header.js';
import { quantity, range, type Names } from './names.js';

export function holdsSection(workflow: Workflow, names: Names): Html {
    const event = (e: EventRef): Html => `${names.title(e.activity)} <span class="point">${text(e.point)}</span>`;
    const rows = workflow.holds.map(h => [
        names.title(h.material), event(h.from), event(h.to), quantity(h.min), quantity(h.max), range(h.storage),
        h.onBreach ? names.titled(h.onBreach) : '—',
    ]);
    const intro = '<p>The time a material may wait between two events of the process. A minimum holds the later event back until it has elapsed; a maximum raises its deviation when it passes.</p>';
    return section('holds', sectionTitle('holds'), intro + table(['Material', 'From', 'To', 'Min', 'Max', 'Storage temperature', 'Deviation on breach'], rows, 'holds'));
}

export function transfersSection(workflow: Workflow, names: Names): Html {
    const body = workflow.transfers.length === 0 ? '<p class="none">No transfers.</p>' : workflow.transfers.map(t => transferBlock(t, names)).join('\n');
    return section('transfers', sectionTitle('transfers'), body);
}

function transferBlock(t: Transfer, names: Names): Html {
    const verifies = (point: 'dispatch' | 'receipt'): boolean => t.verifyIdentityAt.includes(point);
    const identity = t.verifyIdentityAt.length > 0
        ? `at ${t.verifyIdentityAt.map(text).join(' and ')}${t.onMismatch ? `; mismatch: ${names.titled(t.onMismatch)}` : ''}`
        : '<span class="none">no identity scan</span>';
    const roles = { sender: t.sender, receiver: t.receiver };
    // The chain-of-custody form: one line per hand-off, with time, reading, identity and signature.
    const custody = table(['Event', 'Date, time', 'Temperature reading', 'Identity scanned', 'Signed by (role)', 'Printed name', 'Signature'], [
        ['Dispatch', blank(), blank(), verifies('dispatch') ? blank() : '<span class="none">not required</span>', names.signer('sender', roles) || '—', blank(), blank()],
        ['Receipt', blank(), blank(), verifies('receipt') ? blank() : '<span class="none">not required</span>', names.signer('receiver', roles) || '—', blank(), blank()],
    ], 'record custody');
    return `<article class="transfer" id="${text(t.id.replace(':', '-'))}">
<h3>Transfer ${t.title ? `${text(t.title)} <code>${text(t.name)}</code>` : `<code>${text(t.name)}</code>`}</h3>
${facts([
        ['Material', names.title(t.material)],
        ['From → to', `${names.place(t.from)} → ${names.place(t.to)}`],
        ['Carrier', t.carrier ? names.title(t.carrier) : null],
        ['Time limit', t.limit ? `${quantity(t.limit.max)}${t.limit.onLate ? `; late: ${names.titled(t.limit.onLate)}` : ''}` : null],
        ['Temperature', t.condition ? `${range(t.condition.range)}${t.condition.onExcursion ? `; excursion: ${names.titled(t.condition.onExcursion)}` : ''}` : null],
        ['Identity verification', identity],
        ['Sender', t.sender ? names.title(t.sender) : null],
        ['Receiver', t.receiver ? names.title(t.receiver) : null],
    ])}
${custody}
</article>`;
}

export function materialsSection(workflow: Workflow, names: Names): Html {
    const rows = workflow.materials.map(m => [
        names.titled(m.id), m.origin ? text(m.origin) : '—', m.container ? text(m.container) : '—', range(m.storage), quantity(m.stability),
    ]);
    const note = '<p>Stability: how long the material stays usable outside its storage range.</p>';
    return section('materials', sectionTitle('materials'), table(['Material', 'Origin', 'Container', 'Storage', 'Stability'], rows, 'materials') + note);
}
