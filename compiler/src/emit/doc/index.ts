/**
 * `coil doc`: the master batch record of a process as one self-contained HTML file for QA review:
 * the definition (header, diagram, timeline, steps, holds, transfers, QC, release, deviations,
 * materials) with empty cells where the executed record is filled in, and an approval page.
 * No script, no external resource, no generation date: the same workflow and tool version give
 * the same bytes, so a reviewed file can be compared with a regenerated one.
 */
import { scheduleOf } from '../../analyses/schedule.js';
import type { SignedWorkflow } from '../../ir/types.js';
import { approvalSection } from './approval.js';
import { diagramSection } from './diagram.js';
import { documentNumber, header } from './header.js';
import { text } from './html.js';
import { holdsSection, materialsSection, transfersSection } from './logistics.js';
import { namesOf } from './names.js';
import { deviationsSection, qcSection, releaseSection } from './quality.js';
import { stepsSection } from './steps.js';
import { stylesheet } from './styles.js';
import { timelineSection } from './timeline.js';

export interface BatchRecordOptions {
    /** The coil version that generated the record, printed on it. */
    readonly toolVersion: string;
}

export async function renderBatchRecord(workflow: SignedWorkflow, options: BatchRecordOptions): Promise<string> {
    const names = namesOf(workflow);
    const p = workflow.process;
    const body = [
        header(workflow, names, options.toolVersion),
        '<main>',
        await diagramSection(workflow),
        timelineSection(workflow, scheduleOf(workflow), names),
        stepsSection(workflow, names),
        holdsSection(workflow, names),
        transfersSection(workflow, names),
        qcSection(workflow, names),
        releaseSection(workflow, names),
        deviationsSection(workflow, names),
        materialsSection(workflow, names),
        approvalSection(workflow),
        '</main>',
    ].join('\n');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="coil ${text(options.toolVersion)}">
<meta name="coil-digest" content="${text(workflow.digest)}">
<title>${text(`Master batch record: ${p.title ?? p.name} ${p.version}`)}</title>
<style>${stylesheet(documentNumber(workflow))}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
