/**
 * What a parse result says about syntax errors, for the features that stand back while a file
 * does not parse (the formatter, schedule hints) and those that reuse work around an error (the
 * incremental parse, the analyses' cache).
 */
import type { ParseResult } from 'langium';

/** Whether the lexer or the parser found an error. */
export function hasSyntaxErrors(result: ParseResult): boolean {
    return result.lexerErrors.length > 0 || result.parserErrors.length > 0;
}

/** Where each lexer and parser error is in the text (NaN for an error at the end of the input). */
export function syntaxErrorOffsets(result: ParseResult): number[] {
    return [...result.lexerErrors.map(e => e.offset), ...result.parserErrors.map(e => e.token.startOffset)];
}
