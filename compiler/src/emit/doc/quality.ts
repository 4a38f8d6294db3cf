/**
 * Sections "Quality control", "Release" and "Deviations": the specifications the product is tested
 * against, the conditions QA checks before signing the release (normal and exceptional route),
 * and every deviation the process can raise with what it sets in motion.
 */
import type { Deviation, DeviationAction, QcPlan, Requirement, Workflow } from '../../ir/types.js';
import { blank, facts, section, table, text, type Html } from './html.js';
import { sectionTitle } from './header.js';
import { quantity, range, type Names } from './names.js';

export function qcSection(workflow: Workflow, names: Names): Html {
    const assays = new Map(workflow.assays.map(a => [a.id, a]));
    const plan = (q: QcPlan): Html => {
        const rows = q.tests.map(t => [
            names.titled(t.assay),
            text(assays.get(t.assay)?.method ?? '—'),
            t.spec.kind === 'range' ? range(t.spec.range) : `<code>${text(t.spec.choice)}</code>`,
            quantity(t.turnaround),
            t.pendingAllowed ? 'yes (release may precede the result)' : 'no',
            t.onFail ? names.titled(t.onFail) : '—',
            blank(), blank(),
        ]);
        return `<article class="qc" id="${text(q.id.replace(':', '-'))}">
<h3>QC plan <code>${text(q.name)}</code></h3>
<p>Sampled at the end of ${names.titled(q.step)}${q.material ? `, from ${names.title(q.material)}` : ''}.</p>
${table(['Assay', 'Method', 'Specification', 'Turnaround', 'Pending allowed', 'Deviation on fail', 'Result', 'Reviewed by, date'], rows, 'record qc')}
</article>`;
    };
    const body = workflow.qc.length === 0 ? '<p class="none">No QC plans.</p>' : workflow.qc.map(plan).join('\n');
    return section('qc', sectionTitle('qc'), body);
}

export function releaseSection(workflow: Workflow, names: Names): Html {
    const r = workflow.release;
    if (!r) return section('release', sectionTitle('release'), '<p class="none">This process does not release a product.</p>');
    const checklist = (requires: readonly Requirement[]): Html =>
        table(['Condition', 'Met (yes / no)', 'Checked by, date'], requires.map(q => [requirement(q, names), blank(), blank()]), 'record checklist');
    const signatures = (meanings: readonly string[], role: string): Html =>
        table(['Meaning', 'Signed by (role)', 'Printed name', 'Signature', 'Date, time'], meanings.map(m => [text(m), names.title(role), blank(), blank(), blank()]), 'record signatures');
    const normal = `<h3>Release of ${names.title(r.material)}</h3>
${facts([['Released by', names.title(r.role)]])}
${checklist(r.requires)}
${signatures(r.signatures, r.role)}`;
    const e = r.exceptional;
    const exceptional = e
        ? `<h3>Exceptional release (out of specification)</h3>
${facts([
            ['Released by', names.title(e.role)],
            ['Authority notification', e.notifyAuthorityWithin ? `within ${quantity(e.notifyAuthorityWithin)} of the exceptional release` : 'not required'],
        ])}
${checklist(e.requires)}
${e.notifyAuthorityWithin ? table(['Authority notified (date, time)', 'By', 'Reference'], [[blank(), blank(), blank()]], 'record') : ''}
${signatures(e.signatures, e.role)}`
        : '<p>No exceptional route: a batch that fails a condition is not released.</p>';
    return section('release', sectionTitle('release'), normal + exceptional);
}

function requirement(r: Requirement, names: Names): Html {
    switch (r.kind) {
        case 'qc-passed': return r.qc ? `QC plan ${names.titled(r.qc)} passed` : 'every QC plan passed';
        case 'assay-passed': return `assay ${names.titled(r.assay)} passed`;
        case 'no-open-deviation': return `no open deviation${r.severity ? ` of severity ${text(r.severity)}${r.orAbove ? ' or above' : ''}` : ''}`;
        case 'identity-reconciled': return 'chain of identity reconciled (every scan matched the batch identity)';
        case 'step-complete': return `step ${names.titled(r.step)} complete`;
        case 'physician-acceptance': return "treating physician's documented acceptance";
    }
}

export function deviationsSection(workflow: Workflow, names: Names): Html {
    const rows = workflow.deviations.map((d: Deviation) => [
        `${text(d.title ?? d.name)}<br><code>${text(d.name)}</code>`,
        `<span class="severity ${text(d.severity)}">${text(d.severity)}</span>`,
        d.actions.length > 0 ? d.actions.map(a => action(a, names)).join('<br>') : '—',
        d.disposition ? `${names.title(d.disposition.role)}: ${d.disposition.options.map(o => `<code>${text(o)}</code>`).join(', ')}` : '—',
        d.blocksRelease ? '<strong>yes</strong>' : 'no',
        d.raisedBy.length > 0 ? d.raisedBy.map(id => names.title(id)).join('<br>') : '<span class="none">never raised automatically</span>',
    ]);
    return section('deviations', sectionTitle('deviations'), table(['Deviation', 'Severity', 'Actions', 'Disposition by: options', 'Blocks release', 'Raised by'], rows, 'deviations'));
}

function action(a: DeviationAction, names: Names): Html {
    switch (a.kind) {
        case 'quarantine': return `quarantine ${a.materials.map(m => names.title(m)).join(', ')}`;
        case 'hold-batch': return 'hold the batch';
        case 'notify': return `notify ${a.roles.map(r => names.title(r)).join(', ')}`;
        case 'rework': return `rework ${names.titled(a.step)}, at most ${a.limit} ${a.limit === 1 ? 'time' : 'times'}`;
        case 'terminate': return 'terminate the batch';
    }
}
