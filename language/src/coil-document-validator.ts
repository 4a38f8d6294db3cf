/**
 * Gives the diagnostics Langium produces itself (lexing, parsing, linking) a stable Coil code and
 * a message in the process engineer's words, so every diagnostic takes the same reporting path.
 * Keeps one cause to one diagnostic: a name that cannot resolve because another one did not is
 * not reported again, and nodes a syntax error cut short are not checked.
 */
import {
    AstUtils, CstUtils, DefaultDocumentValidator, interruptAndCheck, isLeafCstNode, DocumentValidator, ValidationRegistry,
    type AstNode, type AstReflection, type Cancellation, type LangiumDocument, type ScopeProvider, type ValidateSingleNodeOptions,
    type ValidationAcceptor, type ValidationCheck, type ValidationOptions,
} from 'langium';
import type { LangiumServices } from 'langium/lsp';
import type { Diagnostic } from 'vscode-languageserver-types';
import { humanizeParserMessage, humanizeLexerMessage } from './diagnostics/parser-messages.js';
import { closestName } from './diagnostics/suggest.js';
import { describeUnresolved, withSuggestion } from './diagnostics/unresolved-names.js';
import { astIndex } from './workspace/ast-index.js';
import { pauseAt } from './workspace/indexed-phases.js';

const SKIP_NODE: ValidateSingleNodeOptions = { validateNode: false, validateChildren: true };

export class CoilDocumentValidator extends DefaultDocumentValidator {
    private readonly reflection: AstReflection;
    /** Offsets of the syntax errors of each document being validated, by its root node. */
    private readonly syntaxErrors = new WeakMap<AstNode, ParseFailure[]>();

    private readonly scopeProvider: ScopeProvider;

    constructor(services: LangiumServices) {
        super(services);
        this.reflection = services.shared.AstReflection;
        this.scopeProvider = services.references.ScopeProvider;
    }

    override async validateDocument(document: LangiumDocument, options?: ValidationOptions, cancelToken?: Cancellation.CancellationToken): Promise<Diagnostic[]> {
        const root = document.parseResult.value;
        const errors = parseFailures(document);
        if (errors.length > 0) this.syntaxErrors.set(root, errors);
        try {
            const diagnostics = await super.validateDocument(document, options, cancelToken);
            diagnostics.forEach(d => this.assignCode(d));
            return withoutFollowOnSyntaxErrors(diagnostics);
        } finally {
            this.syntaxErrors.delete(root);
        }
    }

    /**
     * Langium's, over the document's flat index rather than a walk of its tree, with each node
     * type's checks looked up once per document rather than once per node.
     */
    protected override async validateAstNodes(rootNode: AstNode, options: ValidationOptions, acceptor: ValidationAcceptor, cancelToken?: Cancellation.CancellationToken): Promise<void> {
        const { nodes, ends } = astIndex(rootNode);
        const checksOf = new Map<string, ValidationCheck[]>();
        for (let i = 0; i < nodes.length; i++) {
            if (pauseAt(i) && cancelToken) await interruptAndCheck(cancelToken);
            const node = nodes[i];
            const nodeOptions = this.validateSingleNodeOptions(node, options);
            if (nodeOptions.validateNode) {
                let checks = checksOf.get(node.$type);
                if (!checks) checksOf.set(node.$type, checks = this.validationRegistry.getChecks(node.$type, options.categories).toArray());
                for (const check of checks) {
                    const pending = check(node, acceptor, cancelToken!);
                    if (pending) await pending;
                }
            }
            if (!nodeOptions.validateChildren) i = ends[i] - 1;
        }
    }

    /** A node that a syntax error cut short or broke is incomplete: checking it would only report the syntax error again. */
    protected override validateSingleNodeOptions(node: AstNode, options: ValidationOptions): ValidateSingleNodeOptions {
        const errors = this.syntaxErrors.get(AstUtils.findRootNode(node));
        if (errors && isBrokenBySyntaxError(node, errors)) return SKIP_NODE;
        return super.validateSingleNodeOptions(node, options);
    }

    protected override processLinkingErrors(document: LangiumDocument, diagnostics: Diagnostic[], _options: ValidationOptions): void {
        const errors = this.syntaxErrors.get(document.parseResult.value);
        for (const reference of document.references) {
            const error = reference.error;
            if (!error) continue;
            const { container, property, index } = error.info;
            // A name in a statement a syntax error broke is a follow-on of that error.
            if (errors && isBrokenBySyntaxError(container, errors)) continue;
            const described = describeUnresolved(this.reflection, container, property, reference.$refText);
            if (!described) continue;
            const suggestion = closestName(reference.$refText, this.scopeProvider.getScope(error.info).getAllElements().map(d => d.name));
            const message = suggestion ? withSuggestion(described.message, suggestion) : described.message;
            diagnostics.push(this.toDiagnostic('error', message, {
                node: container, range: reference.$refNode?.range, property, index, code: described.code,
                // What the quick fixes need: the name to put instead, and the kind of declaration that is missing.
                data: {
                    code: DocumentValidator.LinkingError, containerType: container.$type, property, refText: reference.$refText,
                    suggestion, referenceType: this.reflection.getReferenceType(error.info),
                },
            }));
        }
    }

    private assignCode(diagnostic: Diagnostic): void {
        const data = diagnostic.data as { code?: string } | undefined;
        switch (data?.code) {
            case DocumentValidator.LexingError:
                diagnostic.code = 'COIL-P002';
                diagnostic.message = humanizeLexerMessage(textOf(diagnostic.message));
                break;
            case DocumentValidator.ParsingError:
                diagnostic.code = 'COIL-P001';
                diagnostic.message = humanizeParserMessage(textOf(diagnostic.message));
                break;
        }
    }
}

/**
 * Where the parser reported each syntax error (`at`), and where the last token before it ends
 * (`after`): a node ending between the two was cut short by the error.
 */
interface ParseFailure {
    readonly at: number;
    readonly after: number;
}

function parseFailures(document: LangiumDocument): ParseFailure[] {
    const errors = document.parseResult.parserErrors;
    const lexerErrors = document.parseResult.lexerErrors;
    if (errors.length === 0 && lexerErrors.length === 0) return [];
    const offsets = errors.map(error => {
        const token = error.token;
        if (Number.isFinite(token.startOffset) && token.startOffset >= 0) return token.startOffset;
        const previous = (error as { previousToken?: { endOffset: number } }).previousToken;
        return previous && Number.isFinite(previous.endOffset) ? previous.endOffset + 1 : 0;
    });
    // An unexpected character breaks the statement it stands in just as a parser error does.
    for (const error of lexerErrors) {
        if (Number.isFinite(error.offset) && error.offset >= 0) offsets.push(error.offset);
    }
    // Ends of the visible tokens, in text order; comments and blanks do not count.
    const ends: number[] = [];
    const root = document.parseResult.value.$cstNode;
    if (root) {
        for (const node of CstUtils.streamCst(root)) {
            if (isLeafCstNode(node) && !node.hidden) ends.push(node.end);
        }
    }
    ends.sort((a, b) => a - b);
    return offsets.map(at => ({ at, after: lastAtOrBefore(ends, at) }));
}

function lastAtOrBefore(sorted: readonly number[], limit: number): number {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid] <= limit) lo = mid + 1;
        else hi = mid;
    }
    return lo > 0 ? sorted[lo - 1] : 0;
}

/**
 * A node is broken when a syntax error stops it (the error follows its last token, with only
 * blanks and comments between) or lies inside it but in none of its parts.
 */
function isBrokenBySyntaxError(node: AstNode, errors: readonly ParseFailure[]): boolean {
    const cst = node.$cstNode;
    if (!cst) return false;
    const cutShort = (end: number, error: ParseFailure) => end <= error.at && end >= error.after;
    return errors.some(error => {
        if (cutShort(cst.end, error)) return true;
        if (error.at < cst.offset || error.at >= cst.end) return false;
        for (const child of AstUtils.streamContents(node)) {
            const c = child.$cstNode;
            if (c && error.at >= c.offset && (error.at < c.end || cutShort(c.end, error))) return false;
        }
        return true;
    });
}

/**
 * A word of the language used as a name (`step hold at ...`) sends the parser's recovery down the
 * wrong rule, and the rest of that line then fails too: those later syntax errors on the same line
 * are follow-ons of the first and are not reported.
 */
function withoutFollowOnSyntaxErrors(diagnostics: Diagnostic[]): Diagnostic[] {
    const keywordLines = new Map<number, number>();
    for (const d of diagnostics) {
        if (d.code === 'COIL-P001' && textOf(d.message).includes('cannot be used as a name')) {
            const line = d.range.start.line;
            keywordLines.set(line, Math.min(keywordLines.get(line) ?? Infinity, d.range.start.character));
        }
    }
    if (keywordLines.size === 0) return diagnostics;
    return diagnostics.filter(d => {
        if (d.code !== 'COIL-P001') return true;
        const first = keywordLines.get(d.range.start.line);
        return first === undefined || d.range.start.character <= first;
    });
}

/** An LSP diagnostic's message as plain text (LSP 3.18 allows markup). */
export function textOf(message: Diagnostic['message']): string {
    return typeof message === 'string' ? message : message.value;
}

/**
 * Langium's registry, except that a check that finishes at once is not turned into a promise to be
 * awaited: most of Coil's checks are synchronous, and a promise for each check of each node was a
 * good part of validating a large file. A check that fails is reported as Langium reports it.
 */
export class CoilValidationRegistry extends ValidationRegistry {
    protected override wrapValidationException(check: ValidationCheck, thisObj: unknown): ValidationCheck {
        return (node, accept, cancelToken) => {
            const failed = (error: unknown) => this.handleException(() => { throw error; }, 'An error occurred during validation', accept, node);
            try {
                const result = check.call(thisObj, node, accept, cancelToken);
                return result instanceof Promise ? result.catch(failed) : undefined;
            } catch (error) {
                return failed(error);
            }
        };
    }
}
