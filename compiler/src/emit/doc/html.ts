/**
 * Building HTML as strings, safely: every piece of text that comes from a workflow goes through
 * `text()` (element content) or `attr()` (attribute values), so that titles such as
 * `<script>` or `A & "B"` are shown, never interpreted.
 */

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and attribute values alike (quotes too, so one function fits both). */
export function text(value: string | number | null | undefined): string {
    if (value === null || value === undefined) return '';
    return String(value).replace(/[&<>"']/g, c => ENTITIES[c]);
}

/** An attribute value, escaped and quoted. */
export function attr(value: string | number): string {
    return `"${text(value)}"`;
}

/** Markup already built from escaped parts (an alias, for the reader: a `string` parameter is raw text). */
export type Html = string;

/** Joins pieces of markup, skipping the empty ones (so optional parts can be `false` or `''`). */
export function join(parts: ReadonlyArray<Html | false | null | undefined>, separator = ''): Html {
    return parts.filter((p): p is Html => typeof p === 'string' && p !== '').join(separator);
}

/** A table: a header row and body rows of cells that are already markup. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly Html[]>, className = ''): Html {
    const head = `<thead><tr>${headers.map(h => `<th scope="col">${text(h)}</th>`).join('')}</tr></thead>`;
    const body = rows.length === 0
        ? `<tr><td colspan="${headers.length}" class="none">None declared.</td></tr>`
        : rows.map(cells => `<tr>${cells.map(c => `<td>${c}</td>`).join('')}</tr>`).join('\n');
    return `<table${className ? ` class=${attr(className)}` : ''}>${head}<tbody>\n${body}\n</tbody></table>`;
}

/** A definition list of label/value pairs; values are markup, a missing value reads "not stated". */
export function facts(pairs: ReadonlyArray<readonly [string, Html | null]>): Html {
    const items = pairs.map(([label, value]) => `<dt>${text(label)}</dt><dd>${value === null || value === '' ? '<span class="none">not stated</span>' : value}</dd>`);
    return `<dl class="facts">${items.join('')}</dl>`;
}

/** Empty cells for the executed record: filled in by hand (or by the runtime) when the batch is made. */
export function blank(): Html {
    return '<span class="blank" aria-label="to be completed"></span>';
}

/** A section of the record with an anchor for the contents list. */
export function section(id: string, title: string, body: Html, className = 'major'): Html {
    return `<section id=${attr(id)} class=${attr(className)}>\n<h2>${text(title)}</h2>\n${body}\n</section>`;
}

/** Escapes a string for use inside a CSS string literal (the running page header in print). */
export function cssString(value: string): string {
    return `"${value.replace(/[\\"\n\r]/g, c => `\\${c.charCodeAt(0).toString(16)} `).replace(/[<>&]/g, c => `\\${c.charCodeAt(0).toString(16)} `)}"`;
}
