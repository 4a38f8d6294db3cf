/**
 * Langium's document factory, except that a changed document is re-read only where it changed
 * (see incremental-parse.ts); any doubt falls back to Langium's whole-document parse.
 */
import { DefaultLangiumDocumentFactory, DocumentState, type AstNode, type LangiumDocument } from 'langium';
import type { CancellationToken } from 'vscode-languageserver';
import { reparse } from './incremental-parse.js';

export class CoilDocumentFactory extends DefaultLangiumDocumentFactory {
    override async update<T extends AstNode = AstNode>(document: LangiumDocument<T>, cancellationToken: CancellationToken): Promise<LangiumDocument<T>> {
        const previous = document.parseResult;
        const oldText = previous.value.$cstNode?.root.fullText;
        const textDocument = this.textDocuments?.get(document.uri.toString());
        const text = await this.getUpdatedText(document as LangiumDocument, textDocument, cancellationToken);
        // As Langium's update: the document's text comes from the editor or, for a closed file, the disk.
        if (textDocument) {
            Object.defineProperty(document, 'textDocument', { value: textDocument });
        } else {
            const textDocumentGetter = this.createTextDocumentGetter(document.uri, text);
            Object.defineProperty(document, 'textDocument', { get: textDocumentGetter });
        }
        if (oldText !== text) {
            const parser = this.serviceRegistry.getServices(document.uri).parser.LangiumParser;
            const incremental = oldText === undefined ? undefined : reparse(parser, previous, text);
            document.parseResult = (incremental ?? await this.parseAsync(document.uri, text, cancellationToken)) as typeof previous;
            (document.parseResult.value as { $document?: LangiumDocument<T> }).$document = document;
        }
        document.state = DocumentState.Parsed;
        return document;
    }
}
