/**
 * Part 11 signatures on steps: a verifier signs only where a verifier is named, the verifier is
 * independent of the performer, and a named verifier signs.
 */
import type { ValidationChecks } from 'langium';
import type { CoilAstType, Signature, Step } from '../generated/ast.js';
import { isPartySigner, isRoleSigner, isSignature, isStep } from '../generated/ast.js';
import { report } from './report.js';

export const signatureChecks: ValidationChecks<CoilAstType> = {
    Step: (step: Step, accept) => {
        const signatures = step.members.filter(isSignature);
        const verifierSigns = signatures.find(s => isPartySigner(s.signer) && s.signer.party === 'verifier');
        // The verifier may also sign by role name (`verified by Supervisor { sign Supervisor "Verified" }`),
        // unless that role performs the step too: then the signature is the performer's.
        const verifierRole = step.verifier?.ref;
        const verifierSignsByRole = verifierRole !== undefined && verifierRole !== step.performer?.ref
            && signatures.some(s => isRoleSigner(s.signer) && s.signer.role?.ref === verifierRole);
        if (verifierSigns && !step.verifier) {
            report(accept, 'COIL-V001', `Step ${step.name} has no verifier to sign. Add 'verified by <Role>' to the step.`, { node: verifierSigns });
        }
        if (step.verifier?.ref && step.verifier.ref === step.performer?.ref && !step.sameRole) {
            const role = step.verifier.ref.name;
            report(accept, 'COIL-V002', `Step ${step.name} is verified by ${role}, the role that performs it. If a second ${role} checks the work, say so with 'verified by another ${role}' (the runtime then requires a different person); otherwise name an independent role.`, { node: step, property: 'verifier' });
        }
        if (step.verifier && !verifierSigns && !verifierSignsByRole) {
            report(accept, 'COIL-V003', `Step ${step.name} names a verifier who never signs. Add 'sign verifier "Verified"'.`, { node: step, property: 'verifier' });
        }
    },
    Signature: (signature: Signature, accept) => {
        const signer = signature.signer;
        if (isPartySigner(signer) && (signer.party === 'sender' || signer.party === 'receiver') && isStep(signature.$container)) {
            report(accept, 'COIL-V004', `'${signer.party}' signs transfers, not steps. In a step, sign as performer, verifier or a named role.`, { node: signer });
        }
    },
};
