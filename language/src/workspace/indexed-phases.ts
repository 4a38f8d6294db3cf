/**
 * Langium's linker and reference indexer, walking the document's flat index (ast-index.ts)
 * instead of its tree. Each does what Langium's does, in the same order; they only stop less
 * often to let other work in (every 512 items rather than every node).
 */
import {
    DefaultLinker, DefaultReferenceDescriptionProvider, interruptAndCheck,
    type LangiumDocument, type ReferenceDescription,
} from 'langium';
import { CancellationToken } from 'vscode-languageserver';
import { astIndex } from './ast-index.js';

/** Whether to let other work in before item `i` of a long loop. */
export const pauseAt = (i: number): boolean => (i & 511) === 0;

export class CoilLinker extends DefaultLinker {
    override async link(document: LangiumDocument, cancelToken = CancellationToken.None): Promise<void> {
        const { references } = astIndex(document.parseResult.value);
        for (let i = 0; i < references.length; i++) {
            if (pauseAt(i)) await interruptAndCheck(cancelToken);
            this.doLink(references[i], document);
        }
    }
}

export class CoilReferenceDescriptionProvider extends DefaultReferenceDescriptionProvider {
    override async createDescriptions(document: LangiumDocument, cancelToken = CancellationToken.None): Promise<ReferenceDescription[]> {
        const descriptions: ReferenceDescription[] = [];
        const { references } = astIndex(document.parseResult.value);
        for (let i = 0; i < references.length; i++) {
            if (pauseAt(i)) await interruptAndCheck(cancelToken);
            if (!references[i].reference.error) descriptions.push(...this.createInfoDescriptions(references[i]));
        }
        return descriptions;
    }
}
