/**
 * Rewrites chevrotain's parser and lexer messages in plain words: token type names become what a
 * process engineer would call them, long alternative lists are shortened, and the common mistakes
 * (a keyword used as a name, a missing unit or '}', a stray '}') say how to fix them.
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

const UNIT_TOKENS = new Set(['UNIT_SYMBOL', 'UNIT_ANNOTATION', 'UNIT_BRACKET']);
const WORD = /^[_a-zA-Z]\w*$/;

function word(token: string): string {
    return TOKEN_WORDS[token] ?? `'${token}'`;
}

/** What the parser found instead: the token's text, '' for the end of the file, undefined if not said. */
function foundIn(message: string): string | undefined {
    return /but found:? ['`](.*?)['`]\.?\s*$/s.exec(message)?.[1];
}

function describeFound(found: string | undefined): string {
    return found === undefined ? '' : found === '' ? ' but found the end of the file' : ` but found '${found}'`;
}

export function humanizeParserMessage(message: string): string {
    const found = foundIn(message);
    const foundText = describeFound(found);
    if (/^Expecting end of file|^Redundant input, expecting EOF/.test(message)) return atEndOfFile(found);
    const single = /^Expecting token of type '([^']+)'/.exec(message)?.[1];
    if (single !== undefined) return expectedOne(single, found, foundText);
    const alternatives = firstTokens(message);
    if (alternatives !== undefined) {
        if (alternatives.some(t => UNIT_TOKENS.has(t))) return missingUnit(foundText);
        if (alternatives.length === 1) return expectedOne(alternatives[0], found, foundText);
        if (alternatives.includes('ID') && found !== undefined && WORD.test(found)) return keywordAsName(found);
        // A name that may also be any keyword (choice and parameter names): the keywords are names here.
        if (alternatives.includes('ID') && alternatives.every(t => t === 'ID' || WORD.test(t))) return expectedOne('ID', found, foundText);
        const list = [...new Set(alternatives.map(word))];
        const shown = list.length > 10 ? `${list.slice(0, 10).join(', ')}, ...` : list.join(', ');
        return `Expected one of ${shown}${foundText}.`;
    }
    return message;
}

function expectedOne(token: string, found: string | undefined, foundText: string): string {
    if (token === 'EOF') return atEndOfFile(found);
    if (token === 'ID' && found !== undefined && WORD.test(found)) return keywordAsName(found);
    if (token === '}' && found === '') return `Expected '}' but found the end of the file: a block opened with '{' is never closed. Add the missing '}'.`;
    if (token === '}' && found) return `'${found}' does not belong here: Coil expected '}' to close the block. Check the spelling of '${found}' and whether it belongs in another block or further up.`;
    if (token === 'SEMVER') return `Expected a version of three numbers, major.minor.patch, such as 1.0.0${foundText}.`;
    if (UNIT_TOKENS.has(token)) return missingUnit(foundText);
    return `Expected ${word(token)}${foundText}.`;
}

/** A word the lexer did not take as a name is one of Coil's keywords. */
function keywordAsName(found: string): string {
    const other = found[0] === found[0].toUpperCase() ? `${found}_1` : found[0].toUpperCase() + found.slice(1);
    return `Expected a name but found '${found}', a word of the Coil language, which cannot be used as a name. Choose another name, e.g. '${other}' (names are case-sensitive).`;
}

function missingUnit(foundText: string): string {
    return `Expected a unit such as h, min, mL, °C or cells${foundText}: every quantity in Coil carries its unit, e.g. '4 h'.`;
}

function atEndOfFile(found: string | undefined): string {
    if (found === '}') return `There is a '}' too many here: the file should end after the block before it. Remove it, or look for a missing '{' earlier.`;
    const what = found ? `'${found}'` : 'This';
    return `${what} cannot stand outside a block: a file holds only processes and shared declarations (site, role, qualification, material, assay). Check its spelling, or whether a '}' closes a block too early.`;
}

/** The first token of each alternative in chevrotain's "one of these possible Token sequences" messages. */
function firstTokens(message: string): string[] | undefined {
    if (/^Expecting: one of these possible Token sequences:/.test(message)) {
        return [...message.matchAll(/\d+\. \[([^\]]*)\]/g)].map(seq => seq[1].split(',')[0].trim()).filter(Boolean);
    }
    if (/^Expecting: expecting at least one iteration/.test(message)) {
        return [...message.matchAll(/\[([^\]]*)\]/g)].map(seq => seq[1].split(',')[0].trim()).filter(Boolean);
    }
    return undefined;
}

export function humanizeLexerMessage(message: string): string {
    const m = /unexpected character: ->(.*?)<-/s.exec(message);
    if (!m) return message;
    const ch = m[1];
    if (ch === '"') return `This quoted text is never closed: add the closing '"'.`;
    if (ch === '#') return `Unexpected character '#': comments in Coil start with '//'.`;
    return `Unexpected character '${ch}': Coil does not use it here. Remove it.`;
}
