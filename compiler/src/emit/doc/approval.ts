/**
 * The approval page of the master batch record: who wrote, reviewed and approved this version of
 * the definition (21 CFR 11.50: printed name, signature, date and meaning). Left empty; it is
 * completed on paper or in the document system, then the status changes from draft.
 */
import type { SignedWorkflow } from '../../ir/types.js';
import { blank, section, table, text, type Html } from './html.js';
import { documentNumber, sectionTitle } from './header.js';

const APPROVALS = ['Author', 'Reviewer — Manufacturing', 'QA approval'];

export function approvalSection(workflow: SignedWorkflow): Html {
    // Every cell but the role is left for the signer, the meaning too (review, approval, authorship).
    const rows = APPROVALS.map(role => [`<strong>${text(role)}</strong>`, blank(), blank(), blank(), blank()]);
    const body = `<p>Document <code>${text(documentNumber(workflow))}</code>, workflow digest <code class="digest">${text(workflow.digest)}</code>.
By signing, each person confirms the meaning stated on their line for this document and this digest only.</p>
${table(['Role', 'Printed name', 'Signature', 'Date', 'Meaning'], rows, 'approvals')}
<p class="end-note">End of master batch record.</p>`;
    return section('approval', sectionTitle('approval'), body, 'major signature-page');
}
