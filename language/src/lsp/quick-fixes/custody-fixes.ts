/**
 * Fixes for the chain of identity and Part 11 signatures: scan the label at both ends of a
 * transfer, have a second person of the same role verify, and sign where a signature is missing.
 */
import { GrammarUtils } from 'langium';
import {
    isExceptionalRelease, isRelease, isStep, isTransfer, isTransferIdentity, isTransferSignature, type Transfer,
} from '../../generated/ast.js';
import { appendLine } from './placement.js';
import { editOrNone, nodeAt, type QuickFix } from './quick-fix.js';

const BOTH_ENDS = 'dispatch, receipt';

function missingEnds(transfer: Transfer): string[] {
    const ends = new Set(transfer.members.filter(isTransferIdentity).flatMap(t => t.ends));
    return (['dispatch', 'receipt'] as const).filter(end => !ends.has(end));
}

/** COIL-I002: completes the transfer's `verify identity at` line, or adds one before its signatures. */
const verifyIdentityAtBothEnds: QuickFix = {
    id: 'verify-identity-at-both-ends',
    codes: ['COIL-I002'],
    offer(site) {
        const transfer = nodeAt(site, isTransfer);
        const missing = transfer ? missingEnds(transfer) : [];
        return transfer && missing.length > 0 ? { title: `Verify identity at ${missing.join(' and ')} of ${transfer.name}`, preferred: true } : undefined;
    },
    edit(site) {
        const transfer = nodeAt(site, isTransfer);
        if (!transfer) return undefined;
        const existing = transfer.members.find(isTransferIdentity);
        const ends = GrammarUtils.findNodesForProperty(existing?.$cstNode, 'ends');
        if (ends.length > 0) return [{ range: { start: ends[0].range.start, end: ends.at(-1)!.range.end }, newText: BOTH_ENDS }];
        return editOrNone(appendLine(site.document, transfer, `verify identity at ${BOTH_ENDS}`, transfer.members.find(isTransferSignature)));
    },
};

/** COIL-V002: the performer's role also verifies, so the verifier must be another person of it. */
const verifiedByAnother: QuickFix = {
    id: 'verified-by-another',
    codes: ['COIL-V002'],
    offer(site) {
        const role = nodeAt(site, isStep)?.verifier?.ref?.name;
        return role ? { title: `Require a second ${role} to verify: verified by another ${role}`, preferred: true } : undefined;
    },
    edit(site) {
        const step = nodeAt(site, isStep);
        const verifier = GrammarUtils.findNodeForProperty(step?.$cstNode, 'verifier');
        return verifier && !step?.sameRole ? [{ range: { start: verifier.range.start, end: verifier.range.start }, newText: 'another ' }] : undefined;
    },
};

const VERIFIER_SIGNATURE = 'sign verifier "Verified"';

/** COIL-V003: the named verifier signs, so that the verification is on the batch record. */
const signAsVerifier: QuickFix = {
    id: 'sign-as-verifier',
    codes: ['COIL-V003'],
    offer(site) {
        const step = nodeAt(site, isStep);
        return step ? { title: `Add the verifier's signature to ${step.name}: ${VERIFIER_SIGNATURE}`, preferred: true } : undefined;
    },
    edit(site) {
        const step = nodeAt(site, isStep);
        return step && editOrNone(appendLine(site.document, step, VERIFIER_SIGNATURE));
    },
};

const RELEASE_SIGNATURE = 'sign "Released for infusion"';
const EXCEPTIONAL_SIGNATURE = 'sign "Released out of specification"';

/** COIL-Q005: signs a release (after its conditions) or its exceptional release (at the end of that block). */
const signRelease: QuickFix = {
    id: 'sign-release',
    codes: ['COIL-Q005'],
    offer(site) {
        if (nodeAt(site, isExceptionalRelease)) return { title: `Sign the exceptional release: ${EXCEPTIONAL_SIGNATURE}`, preferred: true };
        const release = nodeAt(site, isRelease);
        return release ? { title: `Sign the release of ${release.material?.$refText ?? 'the product'}: ${RELEASE_SIGNATURE}`, preferred: true } : undefined;
    },
    edit(site) {
        const exceptional = nodeAt(site, isExceptionalRelease);
        if (exceptional) return editOrNone(appendLine(site.document, exceptional, EXCEPTIONAL_SIGNATURE));
        const release = nodeAt(site, isRelease);
        // The grammar puts a release's signatures after its conditions and before its exceptional block.
        return release && editOrNone(appendLine(site.document, release, RELEASE_SIGNATURE, release.exceptional));
    },
};

export const custodyFixes: readonly QuickFix[] = [verifyIdentityAtBothEnds, verifiedByAnother, signAsVerifier, signRelease];
