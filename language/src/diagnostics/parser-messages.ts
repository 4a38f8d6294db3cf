/**
 * Rewrites chevrotain's parser and lexer messages in plain words: token type names become what a
 * process engineer would call them, and long alternative lists are shortened.
 */

const TOKEN_WORDS: Record<string, string> = {
    ID: 'a name',
    STRING: 'a quoted text',
    NUMBER: 'a number',
    SEMVER: 'a version such as 1.0.0',
    UNIT_SYMBOL: 'a unit',
    UNIT_ANNOTATION: 'a unit',
    UNIT_BRACKET: 'a unit',
    EOF: 'the end of the file',
};

function word(token: string): string {
    return TOKEN_WORDS[token] ?? `'${token}'`;
}

export function humanizeParserMessage(message: string): string {
    const found = /but found:? ['`](.*?)['`]\.?\s*$/s.exec(message)?.[1];
    const foundText = found === undefined ? '' : found === '' ? ' but found the end of the file' : ` but found '${found}'`;
    let m = /^Expecting token of type '([^']+)'/.exec(message);
    if (m) return `Expected ${word(m[1])}${foundText}.`;
    m = /^Redundant input, expecting EOF/.exec(message);
    if (m) return `Unexpected text${foundText}: the file should end here, or a '}' is missing earlier.`;
    if (/^Expecting: one of these possible Token sequences:|^Expecting: expecting at least one iteration/.test(message)) {
        const firsts = new Set<string>();
        for (const seq of message.matchAll(/\d+\. \[([^\]]*)\]/g)) {
            const first = seq[1].split(',')[0].trim();
            if (first) firsts.add(word(first));
        }
        const list = [...firsts];
        const shown = list.length > 10 ? `${list.slice(0, 10).join(', ')}, ...` : list.join(', ');
        return list.length === 1 ? `Expected ${shown}${foundText}.` : `Expected one of ${shown}${foundText}.`;
    }
    return message;
}

export function humanizeLexerMessage(message: string): string {
    const m = /unexpected character: ->(.*?)<-/s.exec(message);
    return m ? `Unexpected character '${m[1]}': Coil does not use it here.` : message;
}
