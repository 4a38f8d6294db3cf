/**
 * Content addressing: SHA-256 over the RFC 8785 canonical JSON of a workflow without its digest
 * (keys sorted, no insignificant whitespace, ECMAScript number form). Same definition, same
 * digest, on any machine.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { SignedWorkflow, Workflow } from './types.js';

/** Keys that JavaScript objects order before all others, whatever their insertion order. */
const INDEX_LIKE = /^(?:0|[1-9]\d*)$/;

/**
 * A copy of `value` whose objects have their keys in canonical order (UTF-16 code units), for
 * the native JSON.stringify to write: for finite numbers and strings it writes exactly what
 * RFC 8785 asks, much faster than any walk in JavaScript. Undefined when an object has an
 * index-like key (`"10"`), which JavaScript would put first: the caller then takes the general way.
 */
function sortedCopy(value: unknown): unknown {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
        let copy: unknown[] | undefined;
        for (let i = 0; i < value.length; i++) {
            const item = sortedCopy(value[i] === undefined ? null : value[i]);
            if (item === undefined) return undefined;
            if (item !== value[i] && !copy) copy = value.slice(0, i);
            copy?.push(item);
        }
        return copy ?? value;
    }
    const keys = Object.keys(value);
    let inOrder = true;
    for (let i = 1; i < keys.length && inOrder; i++) inOrder = keys[i - 1] < keys[i];
    if (!inOrder) keys.sort();
    // An object already in canonical order, with nothing to change below it, is used as it is.
    let copy: Record<string, unknown> | undefined = inOrder ? undefined : {};
    for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        if (INDEX_LIKE.test(key)) return undefined;
        const item = (value as Record<string, unknown>)[key];
        const sorted = item === undefined ? undefined : sortedCopy(item);
        if (item !== undefined && sorted === undefined) return undefined;
        if (!copy && sorted !== item) {
            copy = {};
            for (let j = 0; j < i; j++) copy[keys[j]] = (value as Record<string, unknown>)[keys[j]];
        }
        if (copy && sorted !== undefined) copy[key] = sorted;
    }
    return copy ?? value;
}

export function canonicalJson(value: unknown): string {
    const sorted = value === undefined ? undefined : sortedCopy(value);
    const text = sorted !== undefined ? JSON.stringify(sorted) : canonicalize(value);
    if (text === undefined) throw new TypeError('cannot canonicalise an undefined value');
    return text;
}

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;

/** `sha256:<64 hex digits>` of the workflow, ignoring any `digest` it carries. */
export function digestOf(workflow: Workflow | SignedWorkflow): string {
    const { digest: _ignored, ...content } = workflow as SignedWorkflow;
    return sha256(canonicalJson(content));
}

export function sign(workflow: Workflow): SignedWorkflow {
    return { ...workflow, digest: digestOf(workflow) };
}

/**
 * The bytes of a workflow file: the canonical form (keys sorted by UTF-16 code units, numbers and
 * strings as JSON writes them), indented by two spaces for people. Deterministic, so a file can
 * be compared byte for byte; the digest does not depend on layout.
 */
export function serialise(value: unknown): string {
    const sorted = value === undefined ? undefined : sortedCopy(value);
    return `${sorted !== undefined ? JSON.stringify(sorted, null, 2) : indented(value, '')}\n`;
}

/**
 * `sign` and `serialise` in one: the workflow is put in canonical order once, for both the digest
 * and the file. What `coil compile` does for each process.
 */
export function signAndSerialise(workflow: Workflow): { readonly signed: SignedWorkflow; readonly text: string } {
    const { digest: _ignored, ...content } = workflow as SignedWorkflow;
    const sorted = sortedCopy(content) as Record<string, unknown> | undefined;
    if (!sorted) {
        const signed = sign(workflow);
        return { signed, text: serialise(signed) };
    }
    const digest = sha256(JSON.stringify(sorted));
    const withDigest: Record<string, unknown> = {};
    for (const key of [...Object.keys(sorted), 'digest'].sort()) withDigest[key] = key === 'digest' ? digest : sorted[key];
    return { signed: { ...workflow, digest }, text: `${JSON.stringify(withDigest, null, 2)}\n` };
}

/** The general way, for values with index-like keys: the layout of JSON.stringify(_, null, 2), keys in canonical order. */
function indented(value: unknown, indent: string): string {
    if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
    const inner = `${indent}  `;
    if (Array.isArray(value)) {
        if (value.length === 0) return '[]';
        return `[\n${value.map(v => inner + indented(v === undefined ? null : v, inner)).join(',\n')}\n${indent}]`;
    }
    const keys = Object.keys(value).filter(k => (value as Record<string, unknown>)[k] !== undefined).sort();
    if (keys.length === 0) return '{}';
    return `{\n${keys.map(k => `${inner}${JSON.stringify(k)}: ${indented((value as Record<string, unknown>)[k], inner)}`).join(',\n')}\n${indent}}`;
}
