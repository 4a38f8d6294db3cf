/** Reports a diagnostic with its stable code; the severity comes from the code table. */
import type { AstNode, DiagnosticInfo, ValidationAcceptor } from 'langium';
import { CODES, type Code } from '../diagnostics/codes.js';

export function report<N extends AstNode>(accept: ValidationAcceptor, code: Code, message: string, info: Omit<DiagnosticInfo<N>, 'code'>): void {
    accept(CODES[code].severity, message, { ...info, code } as DiagnosticInfo<N>);
}
