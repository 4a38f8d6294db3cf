/**
 * Completion for Coil: Langium's keywords and the names in scope, plus the units that fit where a
 * quantity is due and snippets for steps, transfers, holds and deviations. Quiet where Coil lets
 * any word stand (a parameter or choice name) and for header fields already given. Fast on long
 * batch records: it reads only the declaration around the cursor (see completion-window.ts).
 */
import {
    AstUtils, EMPTY_STREAM, GrammarAST, GrammarUtils, type AstNode, type AstNodeDescription, type LangiumDocument, type Reference, type ReferenceInfo,
    type Stream, type TextDocument,
} from 'langium';
import {
    DefaultCompletionProvider, findNextFeatures,
    type CompletionAcceptor, type CompletionBacktrackingInformation, type CompletionContext, type CompletionProviderOptions,
    type CompletionValueItem, type NextFeature,
} from 'langium/lsp';
import { CompletionItemKind, InsertTextFormat, type Position } from 'vscode-languageserver';
import { isEventRef, isProcess, isRoom, isSite } from '../generated/ast.js';
import { completionWindow, WHOLE_DOCUMENT, type CompletionWindow } from './completion-window.js';
import { lowerEndUnit, placeOfGrammarStack } from './quantity-places.js';
import { snippetStartedBy, type Snippet, type SnippetNames } from './snippets.js';
import { unitItems } from './unit-completion.js';

/** Keywords of these rules are names, not syntax, where completion meets them. */
const NAME_RULES = new Set(['Word', 'UnitTerm']);

/** The events of each kind of activity (`Collect.end`, `ShipApheresis.receipt`). */
const EVENT_POINTS: Record<string, readonly string[]> = { Step: ['start', 'end'], Transfer: ['dispatch', 'receipt'] };

/** Header fields, each given at most once: not offered again once the process has one. */
const HEADER_FIELDS: Record<string, string> = {
    version: 'VersionField', product: 'ProductField', identity: 'IdentityField', vein_to_vein: 'BudgetField', effective: 'EffectiveField',
};

/** The document being completed, and what its parses found, for the length of one request. */
interface Request {
    readonly text: string;
    /** The document's AST, when it is the parse of `text` (an edit may not be parsed yet). */
    readonly root: AstNode | undefined;
    /** The completion parser's stack of grammar elements at each offset parsed. */
    readonly stacks: Map<number, GrammarAST.AbstractElement[]>;
    /** Contexts whose units have been offered (a unit term has several alternatives). */
    readonly unitsOffered: WeakSet<CompletionContext>;
    /** The names snippets offer, by context (looked up once for the four snippets). */
    readonly snippetNames: WeakMap<CompletionContext, SnippetNames>;
}

export class CoilCompletionProvider extends DefaultCompletionProvider {
    override readonly completionOptions: CompletionProviderOptions = { triggerCharacters: ['.'] };

    /**
     * The request whose contexts Langium's code is building right now (findFeaturesAt and
     * backtrackToAnyToken run inside it), and the request of each context built. Requests can
     * overlap (Langium awaits between contexts), so each context keeps its own.
     */
    private request: Request | undefined;
    private readonly requestOf = new WeakMap<CompletionContext, Request>();

    protected override *buildContexts(document: LangiumDocument, position: Position): IterableIterator<CompletionContext> {
        const text = document.textDocument.getText();
        const root = document.parseResult.value;
        const parsed = root.$cstNode?.root.fullText === text;
        const request: Request = { text, root: parsed ? root : undefined, stacks: new Map(), unitsOffered: new WeakSet(), snippetNames: new WeakMap() };
        const contexts = super.buildContexts(document, position);
        for (;;) {
            // Another request may have run since the last context: this one's code resumes now.
            this.request = request;
            const next = contexts.next();
            this.request = undefined;
            if (next.done) return;
            this.requestOf.set(next.value, request);
            yield next.value;
        }
    }

    /** As Langium's, but parsing only the window around `offset`, and keeping the parser's stack. */
    protected override findFeaturesAt(document: TextDocument, offset: number): NextFeature[] {
        const text = document.getText();
        const window = this.windowFor(text, offset);
        const parsed = this.completionParser.parse(window.preamble + text.slice(window.start, offset));
        this.request?.stacks.set(offset, parsed.elementStack);
        if (parsed.tokenIndex === 0) {
            return findNextFeatures([[this.buildSyntheticEntryRuleCall(GrammarUtils.getEntryRule(this.grammar)!)]], parsed.tokens);
        }
        return findNextFeatures([parsed.elementStack.map(feature => ({ feature }))], parsed.tokens.slice(parsed.tokenIndex));
    }

    /**
     * As Langium's, but lexing only from the window's start to the end of the cursor's line. Langium
     * uses the token before the cursor's only when the cursor is between tokens or at a token's end,
     * and then that token is in the window.
     */
    protected override backtrackToAnyToken(text: string, offset: number): CompletionBacktrackingInformation {
        const start = this.windowFor(text, offset).tokensFrom;
        const lineEnd = text.indexOf('\n', offset);
        const found = super.backtrackToAnyToken(text.slice(start, lineEnd < 0 ? text.length : lineEnd), offset - start);
        const shift = (n: number | undefined) => (n === undefined ? undefined : n + start);
        return {
            nextTokenStart: found.nextTokenStart + start, nextTokenEnd: found.nextTokenEnd + start,
            previousTokenStart: shift(found.previousTokenStart), previousTokenEnd: shift(found.previousTokenEnd),
        };
    }

    private windowFor(text: string, offset: number): CompletionWindow {
        const root = this.request?.text === text ? this.request.root : undefined;
        return root ? completionWindow(root, text, offset) : WHOLE_DOCUMENT;
    }

    protected override completionFor(context: CompletionContext, next: NextFeature, acceptor: CompletionAcceptor): void | Promise<void> {
        if (ruleOf(next.feature)?.name === 'UnitTerm') return this.completionForUnit(context, acceptor);
        return super.completionFor(context, next, acceptor);
    }

    /**
     * While typing, the AST can be older than the text: the node at the cursor may then lack the
     * reference the text is completing (a step's `room`, typed after `at Plant.`). Nothing is
     * offered for it, where Langium would log the scope provider's error.
     */
    protected override getReferenceCandidates(refInfo: ReferenceInfo, context: CompletionContext): Stream<AstNodeDescription> {
        const property = this.astReflection.getTypeMetaData(refInfo.container.$type).properties[refInfo.property];
        return property?.referenceType ? super.getReferenceCandidates(refInfo, context) : EMPTY_STREAM;
    }

    /** A name in scope, with its title beside it ("Operator  Manufacturing operator"). */
    protected override createReferenceCompletionItem(description: AstNodeDescription, info: ReferenceInfo, context: CompletionContext): CompletionValueItem {
        const item = super.createReferenceCompletionItem(description, info, context);
        const title = (description.node as { title?: unknown } | undefined)?.title;
        return typeof title === 'string' ? { ...item, labelDetails: { description: title } } : item;
    }

    /** Keywords where they may stand and make sense there: see also `fitsHere`. */
    protected override filterKeyword(context: CompletionContext, keyword: GrammarAST.Keyword): boolean {
        const rule = ruleOf(keyword)?.name ?? '';
        return super.filterKeyword(context, keyword) && !NAME_RULES.has(rule) && fitsHere(context, keyword.value, rule);
    }

    protected override completionForKeyword(context: CompletionContext, keyword: GrammarAST.Keyword, acceptor: CompletionAcceptor): void | Promise<void> {
        const snippet = snippetStartedBy(keyword, ruleOf(keyword));
        if (snippet && this.clientCapabilities?.completionItem?.snippetSupport) this.acceptSnippet(context, snippet, acceptor);
        return super.completionForKeyword(context, keyword, acceptor);
    }

    /** The units that fit the quantity being written (once per context: a unit term has several alternatives). */
    private completionForUnit(context: CompletionContext, acceptor: CompletionAcceptor): void {
        const request = this.requestOf.get(context);
        if (!request || request.unitsOffered.has(context)) return;
        request.unitsOffered.add(context);
        const found = placeOfGrammarStack(request.stacks.get(context.tokenOffset) ?? []);
        const lower = found?.upperEnd ? lowerEndUnit(context.node) : undefined;
        const expects = lower ? { unit: lower } : found?.place.expects(context.node) ?? { any: true as const };
        // Right after the number (`48|`), the unit goes one space on: `48 h`.
        const spaced = /\d/.test(request.text.charAt(context.tokenOffset - 1));
        for (const item of unitItems(expects, unitWrittenBefore(request.text, context.tokenOffset))) {
            acceptor(context, spaced ? { ...item, insertText: ` ${item.label}` } : item);
        }
    }

    private acceptSnippet(context: CompletionContext, snippet: Snippet, acceptor: CompletionAcceptor): void {
        acceptor(context, {
            label: snippet.keyword,
            labelDetails: { detail: ' … { }' },
            kind: CompletionItemKind.Snippet,
            detail: snippet.detail,
            insertText: snippet.body(this.snippetNamesFor(context)),
            insertTextFormat: InsertTextFormat.Snippet,
            sortText: '2',
        });
    }

    private snippetNamesFor(context: CompletionContext): SnippetNames {
        const request = this.requestOf.get(context);
        const known = request?.snippetNames.get(context);
        if (known) return known;
        const names = this.namesInScope(context);
        request?.snippetNames.set(context, names);
        return names;
    }

    /** The sites (with their rooms), roles, materials and steps in scope where the declaration is inserted. */
    private namesInScope(context: CompletionContext): SnippetNames {
        const container = AstUtils.getContainerOfType(context.node, isProcess) ?? context.document.parseResult.value;
        const inStep = { $type: 'Step', $container: container } as AstNode;
        const inHold = { $type: 'Hold', $container: container } as AstNode;
        return {
            locations: this.inScope({ $type: 'Location', $container: inStep } as AstNode, 'site').flatMap(locationsOf),
            roles: this.inScope(inStep, 'performer').map(d => d.name),
            materials: this.inScope(inHold, 'material').map(d => d.name),
            steps: this.inScope({ $type: 'EventRef', $container: inHold } as AstNode, 'activity').filter(d => d.type === 'Step').map(d => d.name),
        };
    }

    private inScope(container: AstNode, property: string): AstNodeDescription[] {
        const reference = { $refText: '' } as Reference;
        return this.scopeProvider.getScope({ reference, container, property }).getAllElements().toArray();
    }
}

/**
 * Whether a keyword the grammar allows makes sense here: a header field the process does not have
 * yet, a signer a step can have (`sender` and `receiver` sign transfers), an event of the activity
 * named (a step starts and ends, a transfer is dispatched and received).
 */
function fitsHere(context: CompletionContext, keyword: string, rule: string): boolean {
    if (HEADER_FIELDS[keyword] === rule) return !AstUtils.getContainerOfType(context.node, isProcess)?.header.some(h => h.$type === rule);
    if (rule === 'SignerParty') return keyword === 'performer' || keyword === 'verifier';
    if (rule === 'EventPoint') {
        const activity = AstUtils.getContainerOfType(context.node, isEventRef)?.activity?.ref;
        return !activity || EVENT_POINTS[activity.$type].includes(keyword);
    }
    return true;
}

function ruleOf(element: GrammarAST.AbstractElement): GrammarAST.ParserRule | undefined {
    return AstUtils.getContainerOfType(element, GrammarAST.isParserRule);
}

/** `Site.Room` for each room of a site, or `Site` when it has none. */
function locationsOf(site: AstNodeDescription): string[] {
    const rooms = isSite(site.node) ? site.node.members.filter(isRoom) : [];
    return rooms.length > 0 ? rooms.map(room => `${site.name}.${room.name}`) : [site.name];
}

/** The start of a compound unit typed before `offset` (`EU/` in `< 5 EU/kg`), or ''. */
function unitWrittenBefore(text: string, offset: number): string {
    const run = /\S*$/.exec(text.slice(Math.max(0, offset - 100), offset))![0];
    return /[/.]$/.test(run) ? run.replace(/^-?\d+(\.\d+)?([eE][+-]?\d+)?/, '') : '';
}
