/**
 * The outline of a Coil file, as a master batch record reads: shared declarations (sites with
 * their rooms, roles, materials, assays), then each process with its flow in written order
 * (`parallel` blocks and their branches as phases, steps with their recorded parameters), holds,
 * QC plans, release, deviations and scenarios. The workspace symbols are this outline, flattened.
 */
import type { AstNode, CstNode, LangiumDocument } from 'langium';
import type { DocumentSymbolProvider } from 'langium/lsp';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import {
    isBranch, isDecision, isDeviation, isHold, isModel, isParallel, isParameter, isProcess, isQc, isQcTest, isRelease,
    isScenario, isSite, isStep, isTransfer,
    type Branch, type Hold, type Parallel, type QcTest, type Release, type Transfer,
} from '../generated/ast.js';
import { keywordToken as keyword, propertyToken as property } from './cst-tokens.js';

/** The symbol kind of each outlined declaration: one per kind, so that an editor can filter the outline by kind. */
const SYMBOL_KINDS: Readonly<Record<string, SymbolKind>> = {
    Process: SymbolKind.Module,
    Site: SymbolKind.Namespace,
    Room: SymbolKind.Struct,
    Equipment: SymbolKind.Object,
    StorageLocation: SymbolKind.Array,
    Qualification: SymbolKind.Boolean,
    Role: SymbolKind.Class,
    Material: SymbolKind.Variable,
    Assay: SymbolKind.Interface,
    Step: SymbolKind.Function,
    Parameter: SymbolKind.Field,
    Transfer: SymbolKind.Method,
    Parallel: SymbolKind.Package,
    Branch: SymbolKind.Namespace,
    Decision: SymbolKind.Operator,
    Hold: SymbolKind.Constant,
    Qc: SymbolKind.Enum,
    QcTest: SymbolKind.EnumMember,
    Release: SymbolKind.Key,
    Deviation: SymbolKind.Event,
    Scenario: SymbolKind.String,
};

/** How each outlined node is shown: its name and detail, and the part of it an editor selects. */
interface Shown {
    readonly name: string | undefined;
    readonly detail?: string;
    /** The node's name, or the words that say what it is (`hold`, `parallel`): always inside the node. */
    readonly selection?: CstNode;
}

type Named = AstNode & { name?: string; title?: string };

export class CoilDocumentSymbolProvider implements DocumentSymbolProvider {
    getSymbols(document: LangiumDocument): DocumentSymbol[] {
        return outlineOf(document.parseResult.value);
    }
}

/** The outline of a parsed file (its `Model`); nodes that error recovery left without a name are left out. */
export function outlineOf(root: AstNode): DocumentSymbol[] {
    return isModel(root) ? root.elements.flatMap(symbolsOf) : [];
}

function symbolsOf(node: AstNode): DocumentSymbol[] {
    const kind = SYMBOL_KINDS[node.$type];
    const range = node.$cstNode?.range;
    if (kind === undefined || !range) return [];
    const shown = show(node);
    if (!shown.name) return [];
    const children = childrenOf(node).flatMap(symbolsOf);
    return [{
        name: shown.name,
        ...(shown.detail ? { detail: shown.detail } : {}),
        kind,
        range,
        selectionRange: (shown.selection ?? node.$cstNode)!.range,
        ...(children.length > 0 ? { children } : {}),
    }];
}

/** What an outlined node contains that is outlined too, in written order. */
function childrenOf(node: AstNode): AstNode[] {
    if (isProcess(node)) return node.elements;
    if (isSite(node)) return node.members;
    if (isStep(node)) return node.members.filter(isParameter);
    if (isParallel(node)) return node.branches;
    if (isBranch(node)) return node.elements;
    if (isQc(node)) return node.tests;
    return [];
}

function show(node: AstNode): Shown {
    if (isParallel(node)) return showParallel(node);
    if (isBranch(node)) return showBranch(node);
    if (isHold(node)) return showHold(node);
    if (isQcTest(node)) return showTest(node);
    if (isRelease(node)) return showRelease(node);
    if (isScenario(node)) return { name: node.title, detail: 'scenario', selection: property(node, 'title') };
    return showNamed(node as Named);
}

/** What tells a declaration apart besides its title. */
function detailOf(node: AstNode): string | undefined {
    if (isDecision(node)) return node.step ? `on ${node.step.$refText}.${node.parameter?.$refText ?? ''}` : undefined;
    if (isTransfer(node)) return transferRoute(node);
    if (isDeviation(node)) return node.severity;
    if (isQc(node)) return node.step ? `on ${node.step.$refText}` : undefined;
    return undefined;
}

/** A declaration by its name, with its title (what the batch record prints) and what else tells it apart. */
function showNamed(node: Named): Shown {
    const detail = [node.title, detailOf(node)].filter(Boolean).join(' · ');
    return { name: node.name, detail, selection: property(node, 'name') };
}

function showParallel(node: Parallel): Shown {
    return { name: 'parallel', detail: `${node.branches.length} branches run side by side`, selection: keyword(node, 'parallel') };
}

function showBranch(node: Branch): Shown {
    const index = (node.$container as Parallel).branches.indexOf(node) + 1;
    return { name: node.name ?? `branch ${index}`, detail: 'branch', selection: property(node, 'name') ?? keyword(node, 'branch') };
}

function showHold(node: Hold): Shown {
    const limits = [node.min && `min ${quantityText(node.min)}`, node.max && `max ${quantityText(node.max)}`].filter(Boolean).join(', ');
    const between = `${eventText(node.start)} → ${eventText(node.end)}`;
    return { name: `hold ${node.material?.$refText ?? ''}`.trim(), detail: [between, limits].filter(Boolean).join(' · '), selection: keyword(node, 'hold') };
}

function showTest(node: QcTest): Shown {
    return { name: node.assay?.$refText, detail: node.spec?.$cstNode ? `expect ${node.spec.$cstNode.text}` : undefined, selection: property(node, 'assay') };
}

function showRelease(node: Release): Shown {
    return { name: `release ${node.material?.$refText ?? ''}`.trim(), detail: node.role ? `by ${node.role.$refText}` : undefined, selection: keyword(node, 'release') };
}

/** `Apheresis CollectionCentre → Plant.Receipt` */
function transferRoute(node: Transfer): string | undefined {
    const source = node.source?.$cstNode?.text;
    const destination = node.destination?.$cstNode?.text;
    return source && destination ? `${node.material?.$refText ?? ''} ${source} → ${destination}`.trim() : undefined;
}

function eventText(event: Hold['start'] | undefined): string {
    return event?.$cstNode?.text ?? '?';
}

function quantityText(q: { $cstNode?: CstNode }): string {
    return q.$cstNode?.text.replace(/\s+/g, ' ') ?? '';
}
