/**
 * Section "Steps": every step in flow order as the page an operator works from, with the
 * in-process decisions where they are taken and pointers to transfers and the release gate, so
 * that the executed record reads in the order the batch is made.
 */
import type { Decision, Id, Outcome, Step, Workflow } from '../../ir/types.js';
import { blank, facts, section, table, text, type Html } from './html.js';
import { sectionTitle } from './header.js';
import { quantity, type Names } from './names.js';
import { equipmentTable, identityTable, materialTable, parameterTable, signatureTable } from './parameters.js';

export function stepsSection(workflow: Workflow, names: Names): Html {
    const steps = new Map(workflow.steps.map(s => [s.id, s]));
    const decisions = new Map(workflow.decisions.map(d => [d.id, d]));
    const transfers = new Map(workflow.transfers.map(t => [t.id, t]));
    const seen = new Set<Id>();
    const parts: Html[] = [];
    let n = 0;
    const number = (): string => `3.${++n}`;
    for (const node of workflow.graph.nodes) {
        const step = steps.get(node.id);
        if (step) {
            seen.add(step.id);
            parts.push(stepBlock(step, number(), workflow, names, node.lane));
        } else if (decisions.has(node.id)) {
            parts.push(decisionBlock(decisions.get(node.id)!, names));
        } else if (transfers.has(node.id)) {
            parts.push(`<p class="pointer">Transfer ${names.titled(node.id)} of ${names.title(transfers.get(node.id)!.material)}: record it on its transfer form in section ${text(sectionTitle('transfers'))}.</p>`);
        } else if (node.kind === 'release') {
            parts.push(`<p class="pointer gate">QA release gate: the batch waits here for the release decision, section ${text(sectionTitle('release'))}.</p>`);
        }
    }
    // Steps off the graph cannot happen, but a record that silently dropped one would be worse.
    for (const step of workflow.steps) if (!seen.has(step.id)) parts.push(stepBlock(step, number(), workflow, names, []));
    return section('steps', sectionTitle('steps'), parts.join('\n'));
}

function stepBlock(step: Step, number: string, workflow: Workflow, names: Names, lane: readonly string[]): Html {
    const verifier = step.verifier
        ? `${names.title(step.verifier.role)}${step.verifier.sameRoleAllowed ? ' (another person; the same role is allowed)' : ''}`
        : null;
    const d = step.duration;
    const durationText = d ? `${quantity(d.min)} to ${quantity(d.max)}${d.onLate ? `; late: ${names.titled(d.onLate)}` : ''}` : null;
    const roomOf = (equipment: Id): Id | null => {
        for (const site of workflow.sites) for (const e of site.equipment) if (e.id === equipment) return e.room;
        return null;
    };
    const roles = { performer: step.performer, verifier: step.verifier?.role ?? null };
    const body = [
        facts([
            ['Place', names.place(step.place) || null],
            ['Performed by', step.performer ? names.title(step.performer) : null],
            ['Verified by', verifier ?? '<span class="none">no second-person verification</span>'],
            ['Duration', durationText],
            ['On failure', step.onFailure ? names.titled(step.onFailure) : '—'],
            ...(lane.length > 0 ? [['Runs in parallel', text(lane.join(' / '))] as const] : []),
        ]),
        '<h4>Start and end</h4>',
        table(['Event', 'Date, time', 'By'], [['Started', blank(), blank()], ['Completed', blank(), blank()]], 'record times'),
        step.consumes.length + step.produces.length > 0 && `<h4>Materials</h4>${materialTable(step, names)}`,
        step.equipment.length > 0 && `<h4>Equipment</h4>${equipmentTable(step, names, roomOf)}`,
        step.identityChecks.length > 0 && `<h4>Identity checks</h4>${identityTable(step.identityChecks, names)}`,
        step.identityNotVerified !== null && `<h4>Identity checks</h4><p class="waiver">Identity is not verified at this step: ${text(step.identityNotVerified)}</p>`,
        step.parameters.length > 0 && `<h4>Parameters</h4>${parameterTable(step, names)}`,
        `<h4>Signatures</h4>${signatureTable(step.signatures, names, roles)}`,
    ].filter(Boolean).join('\n');
    return `<article class="step" id="${text(step.id.replace(':', '-'))}">
<h3><span class="number">${number}</span> ${names.titled(step.id)}</h3>
${body}
</article>`;
}

function decisionBlock(decision: Decision, names: Names): Html {
    const branch = (when: Html, outcome: Outcome): Html[] => [when, outcomeText(outcome, names)];
    const rows = [
        ...decision.branches.map(b => branch(b.condition.kind === 'quantity' ? `${text(b.condition.op)} ${text(b.condition.value.text)}` : `is <code>${text(b.condition.choice)}</code>`, b.outcome)),
        branch('otherwise', decision.otherwise),
    ];
    return `<aside class="decision">
<h4>In-process decision <code>${text(decision.name)}</code> on ${names.title(decision.parameter)}</h4>
${table(['When the recorded value', 'Then'], rows)}
${table(['Outcome taken', 'By', 'Date, time'], [[blank(), blank(), blank()]], 'record')}
</aside>`;
}

function outcomeText(outcome: Outcome, names: Names): Html {
    switch (outcome.kind) {
        case 'continue': return 'continue';
        case 'goto': return `go to ${names.titled(outcome.target)}`;
        case 'rework': return `rework ${names.titled(outcome.target)}, at most ${outcome.limit} ${outcome.limit === 1 ? 'time' : 'times'}`;
        case 'reject': return '<strong>reject the batch</strong>';
        case 'terminate': return '<strong>terminate the batch</strong>';
    }
}
