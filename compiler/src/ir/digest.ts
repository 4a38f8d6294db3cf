/**
 * Content addressing: SHA-256 over the RFC 8785 canonical JSON of a workflow without its digest
 * (keys sorted, no insignificant whitespace, ECMAScript number form). Same definition, same
 * digest, on any machine.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { SignedWorkflow, Workflow } from './types.js';

export function canonicalJson(value: unknown): string {
    const text = canonicalize(value);
    if (text === undefined) throw new TypeError('cannot canonicalise an undefined value');
    return text;
}

/** `sha256:<64 hex digits>` of the workflow, ignoring any `digest` it carries. */
export function digestOf(workflow: Workflow | SignedWorkflow): string {
    const { digest: _ignored, ...content } = workflow as SignedWorkflow;
    return `sha256:${createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex')}`;
}

export function sign(workflow: Workflow): SignedWorkflow {
    return { ...workflow, digest: digestOf(workflow) };
}

/**
 * The bytes of a workflow file: keys sorted as in the canonical form, indented for people.
 * Deterministic, so a file can be compared byte for byte; the digest does not depend on layout.
 */
export function serialise(value: unknown): string {
    return `${JSON.stringify(JSON.parse(canonicalJson(value)), null, 2)}\n`;
}
