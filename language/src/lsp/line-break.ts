/**
 * The line break a document is written with. Editors keep a file's line breaks as they are, so
 * what the server writes into one (a formatted layout, a quick fix's new lines) must match them.
 */
import type { TextDocument } from 'langium';

/** `\r\n` for a document that uses it, else `\n`. */
export function lineBreakOf(document: TextDocument | string): string {
    const text = typeof document === 'string' ? document : document.getText();
    return text.includes('\r\n') ? '\r\n' : '\n';
}
