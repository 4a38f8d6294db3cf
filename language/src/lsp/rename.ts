/**
 * Rename: a name and every use of it, in every file of the workspace (a role of the shared library
 * renamed in `roles.coil` and in each process that names it). A new name that is not a name, is a
 * word of the language, or is already taken by a declaration of the same kind where it is visible,
 * is refused with the reason, before anything is edited: a rename never leaves the workspace broken.
 */
import {
    AstUtils, CstUtils, GrammarAST, UriUtils,
    type AstNode, type LangiumDocument, type LangiumDocuments, type URI,
} from 'langium';
import { DefaultRenameProvider, type LangiumServices } from 'langium/lsp';
import { LSPErrorCodes, ResponseError, type CancellationToken, type Position, type RenameParams, type WorkspaceEdit } from 'vscode-languageserver';
import { isChoice, isModel, isParameter, type Model } from '../generated/ast.js';
import { namesakesOf, type Named } from './namesakes.js';

/** What the language accepts as a name (docs/language.md §3). */
const NAME = /^[_a-zA-Z]\w*$/;

/** How messages speak of each kind of declaration. */
const KIND_WORDS: Readonly<Record<string, string>> = {
    Process: 'a process', Site: 'a site', Room: 'a room', Equipment: 'equipment', StorageLocation: 'a storage location',
    Qualification: 'a qualification', Role: 'a role', Material: 'a material', Assay: 'an assay',
    Step: 'a step', Transfer: 'a transfer', Decision: 'a decision', Branch: 'a branch', Parameter: 'a recorded parameter',
    Choice: 'a choice', Deviation: 'a deviation', Qc: 'a QC plan',
};

export class CoilRenameProvider extends DefaultRenameProvider {
    private readonly documents: LangiumDocuments;
    /** The words of the language that look like names (`step`, `release`, `hold`): no declaration may take one. */
    private readonly reserved: ReadonlySet<string>;

    constructor(services: LangiumServices) {
        super(services);
        this.documents = services.shared.workspace.LangiumDocuments;
        this.reserved = new Set(AstUtils.streamAst(services.Grammar).filter(GrammarAST.isKeyword).map(k => k.value).filter(w => NAME.test(w)));
    }

    override async rename(document: LangiumDocument, params: RenameParams, cancelToken?: CancellationToken): Promise<WorkspaceEdit | undefined> {
        const target = this.declarationAt(document, params.position);
        if (target) this.refuseInvalidName(target, params.newName, document.uri);
        return super.rename(document, params, cancelToken);
    }

    /** The declaration whose name, or a reference to which, is at `position`. */
    private declarationAt(document: LangiumDocument, position: Position): AstNode | undefined {
        const root = document.parseResult.value.$cstNode;
        const leaf = CstUtils.findDeclarationNodeAtOffset(root, document.textDocument.offsetAt(position), this.grammarConfig.nameRegexp);
        return leaf ? this.references.findDeclarations(leaf)[0] : undefined;
    }

    private refuseInvalidName(target: AstNode, newName: string, from: URI): void {
        const kind = KIND_WORDS[target.$type] ?? 'a declaration';
        if (!NAME.test(newName)) {
            refuse(`'${newName}' is not a valid name for ${kind}: a name is made of the letters A-Z and a-z, digits and _, and starts with a letter or _ (as in Collect or cd3_cells).`);
        }
        // Parameter and choice names may be any word (`record duration`, `choice pass, fail`).
        if (this.reserved.has(newName) && !isParameter(target) && !isChoice(target)) {
            refuse(`'${newName}' is a word of the Coil language and cannot name ${kind}. Names are case-sensitive: '${capitalised(newName)}' would do.`);
        }
        const taken = namesakesOf(target, this.models()).find(other => other.name === newName);
        if (taken) {
            refuse(`'${newName}' is already the name of ${KIND_WORDS[taken.$type] ?? 'a declaration'} (${whereIs(taken, from)}). Choose another name.`);
        }
    }

    private models(): Model[] {
        return this.documents.all.map(d => d.parseResult.value).filter(isModel).toArray();
    }
}

function refuse(message: string): never {
    throw new ResponseError(LSPErrorCodes.RequestFailed, message);
}

function capitalised(word: string): string {
    return word.charAt(0).toUpperCase() + word.slice(1);
}

/** `line 9 of library/roles.coil`, relative to the folder of the file the rename was asked in. */
function whereIs(node: Named, from: URI): string {
    const uri = AstUtils.getDocument(node).uri;
    const line = (node.$cstNode?.range.start.line ?? 0) + 1;
    return uri.toString() === from.toString() ? `line ${line} of this file` : `line ${line} of ${UriUtils.relative(UriUtils.dirname(from), uri)}`;
}
