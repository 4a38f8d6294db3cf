/** Completion for Coil: Langium's keywords and references, plus units and snippets (being written). */
import { DefaultCompletionProvider } from 'langium/lsp';

export class CoilCompletionProvider extends DefaultCompletionProvider {
}
