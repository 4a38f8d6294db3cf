/**
 * Gives the diagnostics Langium produces itself (lexing, parsing, linking) a stable Coil code and
 * a message in the process engineer's words, so every diagnostic takes the same reporting path.
 * Keeps one cause to one diagnostic: a name that cannot resolve because another one did not is
 * not reported again, and nodes a syntax error cut short are not checked.
 */
import {
    AstUtils, CstUtils, DefaultDocumentValidator, isLeafCstNode, DocumentValidator, type AstNode, type AstReflection, type Cancellation,
    type LangiumDocument, type ScopeProvider, type ValidateSingleNodeOptions, type ValidationOptions,
} from 'langium';
import type { LangiumServices } from 'langium/lsp';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { Code } from './diagnostics/codes.js';
import { humanizeParserMessage, humanizeLexerMessage } from './diagnostics/parser-messages.js';
import { closestName } from './diagnostics/suggest.js';
import {
    isAssayResult, isChoiceCondition, isChoiceParameter, isChoiceResult, isChoiceSpec, isChoiceValue, isDecision,
    isEquipmentUse, isLocation, isProcess, isQcTest, isRecordAction, isResultAction, isStep, isStepAction, isStepExpectation,
    isTransfer, isVerifyAction, type Assay, type Parameter,
} from './generated/ast.js';
import { flowInOrder } from './process-model.js';

const SCENARIO_TARGETS: Record<string, string> = {
    StepAction: 'step', RecordAction: 'step', ScanAction: 'target', TransferAction: 'transfer', VerifyAction: 'step', StepExpectation: 'step',
};

/** Shared declarations: a missing one is declared in the workspace, e.g. in its library. */
const SHARED_EXAMPLES: Record<string, string> = {
    Role: `role NAME "Title" requires <Qualification>`,
    Site: `site NAME "Title" { room ... }`,
    Material: `material NAME "Title" { origin patient }`,
    Qualification: `qualification NAME "Title"`,
};

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
            return diagnostics;
        } finally {
            this.syntaxErrors.delete(root);
        }
    }

    /** A node that a syntax error cut short or broke is incomplete: checking it would only report the syntax error again. */
    protected override validateSingleNodeOptions(node: AstNode, options: ValidationOptions): ValidateSingleNodeOptions {
        const errors = this.syntaxErrors.get(AstUtils.findRootNode(node));
        if (errors && isBrokenBySyntaxError(node, errors)) return SKIP_NODE;
        return super.validateSingleNodeOptions(node, options);
    }

    protected override processLinkingErrors(document: LangiumDocument, diagnostics: Diagnostic[], _options: ValidationOptions): void {
        for (const reference of document.references) {
            const error = reference.error;
            if (!error) continue;
            const { container, property, index } = error.info;
            const described = this.describeUnresolved(container, property, reference.$refText);
            if (!described) continue;
            const suggestion = closestName(reference.$refText, this.scopeProvider.getScope(error.info).getAllElements().map(d => d.name));
            const message = suggestion ? withSuggestion(described.message, suggestion) : described.message;
            diagnostics.push(this.toDiagnostic('error', message, {
                node: container, range: reference.$refNode?.range, property, index, code: described.code,
                data: { code: DocumentValidator.LinkingError, containerType: container.$type, property, refText: reference.$refText },
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

    /**
     * The code and message for a name that did not resolve, or undefined when it is not worth a
     * diagnostic of its own: it was to be looked up in something that is itself unknown, or a
     * check reports the actual mistake (a choice compared with a quantity, for instance).
     */
    private describeUnresolved(container: AstNode, property: string, name: string): { code: Code; message: string } | undefined {
        if (property === 'deviation') {
            return { code: 'COIL-D001', message: `No deviation named '${name}' is declared in this process. Check the spelling, or declare it in the process: deviation ${name} "What went wrong" severity major { disposition by <Role> options continue, reject }` };
        }
        if (property === 'assay') {
            return { code: 'COIL-Q001', message: `No assay named '${name}' is declared in this workspace. Check the spelling, or declare it (for example in the shared library): assay ${name} "Title" { method "..." turnaround 1 d result ... }` };
        }
        if (isEquipmentUse(container)) {
            const step = AstUtils.getContainerOfType(container, isStep);
            if (step && !step.location) {
                return { code: 'COIL-L002', message: `Step ${step.name} does not say where it happens, so its equipment '${name}' cannot be found. Add 'at <Site>' to the step: equipment is used where it is installed.` };
            }
            const site = step?.location?.site?.ref;
            if (!site) return undefined;
            return { code: 'COIL-L002', message: `Site ${site.name} has no equipment named '${name}'. Equipment is used where it is installed: check the step's 'at', or declare '${name}' in site ${site.name}.` };
        }
        if (isLocation(container) && property === 'room') {
            const site = container.site?.ref;
            return site ? { code: 'COIL-R001', message: `Site ${site.name} has no room named '${name}'. Check the spelling, or declare the room in site ${site.name}.` } : undefined;
        }
        if ((isDecision(container) || isRecordAction(container)) && property === 'parameter') {
            const step = container.step?.ref;
            if (!step) return undefined;
            return { code: 'COIL-R001', message: `Step ${step.name} records no parameter named '${name}'. Check the spelling, or add 'record ${name} ...' to step ${step.name}.` };
        }
        if (property === 'choice' || (isChoiceParameter(container) && property === 'expected')) {
            return this.describeUnknownChoice(container, name);
        }
        if (SCENARIO_TARGETS[container.$type] === property) {
            const transfer = flowOf(container).find(a => isTransfer(a) && a.name === name);
            if (transfer && (isStepAction(container) || isStepExpectation(container) || isVerifyAction(container))) {
                return { code: 'COIL-S001', message: `${name} is a transfer, not a step: a scenario moves it with 'dispatch ${name}' and 'receive ${name}'.` };
            }
            return { code: 'COIL-S001', message: `The scenario names '${name}', but the process has no ${container.$type === 'TransferAction' ? 'transfer' : 'step or transfer'} of that name. Check the spelling.` };
        }
        const type = this.reflection.getReferenceType({ container, property, reference: undefined as never });
        const example = SHARED_EXAMPLES[type];
        if (example) {
            return { code: 'COIL-R001', message: `No ${describeType(type)} named '${name}' is declared in this workspace. Check the spelling, or declare it, for example in the shared library: ${example.replace('NAME', name)}` };
        }
        return { code: 'COIL-R001', message: `No ${describeType(type)} named '${name}' is declared in this process. Check the spelling.` };
    }

    private describeUnknownChoice(container: AstNode, name: string): { code: Code; message: string } | undefined {
        let owner: { what: string; choices: string[] } | undefined;
        if (isChoiceParameter(container)) {
            owner = { what: 'this parameter', choices: container.choices.map(c => c.name) };
        } else if (isChoiceCondition(container)) {
            owner = choicesOfParameter(AstUtils.getContainerOfType(container, isDecision)?.parameter?.ref);
        } else if (isChoiceSpec(container)) {
            owner = choicesOfAssay(AstUtils.getContainerOfType(container, isQcTest)?.assay?.ref);
        } else if (isChoiceValue(container)) {
            const action = container.$container;
            if (isRecordAction(action)) owner = choicesOfParameter(action.parameter?.ref);
            if (isResultAction(action)) owner = choicesOfAssay(action.assay?.ref);
        }
        // Unknown parameter or assay, or one that is not a choice: reported where that is wrong.
        if (!owner) return undefined;
        return { code: 'COIL-R001', message: `'${name}' is not one of the choices of ${owner.what}: ${owner.choices.join(', ')}. Use one of those, or add '${name}' to them.` };
    }
}

function flowOf(node: AstNode): ReturnType<typeof flowInOrder> {
    const process = AstUtils.getContainerOfType(node, isProcess);
    return process ? flowInOrder(process) : [];
}

function choicesOfParameter(parameter: Parameter | undefined): { what: string; choices: string[] } | undefined {
    return parameter && isChoiceParameter(parameter.type) ? { what: parameter.name, choices: parameter.type.choices.map(c => c.name) } : undefined;
}

function choicesOfAssay(assay: Assay | undefined): { what: string; choices: string[] } | undefined {
    const result = assay?.members.find(isAssayResult)?.type;
    return assay && isChoiceResult(result) ? { what: `assay ${assay.name}`, choices: result.choices.map(c => c.name) } : undefined;
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
    if (errors.length === 0) return [];
    const offsets = errors.map(error => {
        const token = error.token;
        if (Number.isFinite(token.startOffset) && token.startOffset >= 0) return token.startOffset;
        const previous = (error as { previousToken?: { endOffset: number } }).previousToken;
        return previous && Number.isFinite(previous.endOffset) ? previous.endOffset + 1 : 0;
    });
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

/** Puts "Did you mean ...?" right after the first sentence, where the reader looks first. */
function withSuggestion(message: string, suggestion: string): string {
    const end = message.indexOf('. ');
    const hint = `Did you mean '${suggestion}'?`;
    return end < 0 ? `${message} ${hint}` : `${message.slice(0, end + 1)} ${hint}${message.slice(end + 1)}`;
}

function textOf(message: Diagnostic['message']): string {
    return typeof message === 'string' ? message : message.value;
}

function describeType(type: string): string {
    const words: Record<string, string> = {
        Activity: 'step or transfer', Qc: 'QC plan', Choice: 'choice',
    };
    return words[type] ?? type.replace(/(?<!^)([A-Z])/g, ' $1').toLowerCase();
}
