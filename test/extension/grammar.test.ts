/**
 * The VS Code extension's TextMate grammar and language configuration, checked with VS Code's own
 * tokenizer (vscode-textmate on vscode-oniguruma). Langium's parser says what each token of the
 * examples is (keyword, name, string, quantity, unit, comment); the grammar must scope it so. The
 * keyword lists must follow coil.langium, and the editor's comment, bracket, word, indentation
 * and on-Enter rules must behave on lines of the examples.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
    AstUtils, CstUtils, EmptyFileSystem, GrammarAST, GrammarUtils, isLeafCstNode, type Grammar, type LeafCstNode,
} from 'langium';
import oniguruma from 'vscode-oniguruma';
import textmate, { type IGrammar } from 'vscode-textmate';
import { createCoilServices } from '@coil/language';

const root = path.resolve(__dirname, '../..');
const extension = path.join(root, 'vscode-extension');
const tmLanguageText = fs.readFileSync(path.join(extension, 'syntaxes/coil.tmLanguage.json'), 'utf8');
const tmLanguage = JSON.parse(tmLanguageText);
const configuration = JSON.parse(fs.readFileSync(path.join(extension, 'language-configuration.json'), 'utf8'));
const services = createCoilServices(EmptyFileSystem).Coil;

/** The scope prefixes that mark a keyword: control and other keywords, declarations, enumerated values. */
const KEYWORD_SCOPES = ['keyword', 'storage.type', 'constant.language'];

/** What a declaration's name is scoped as, by the declaration's AST type. */
const DECLARATION_SCOPES: Record<string, string> = {
    Process: 'entity.name.type.process',
    Site: 'entity.name.type.site',
    Room: 'entity.name.type.room',
    Equipment: 'entity.name.type.equipment',
    StorageLocation: 'entity.name.type.storage-location',
    Qualification: 'entity.name.type.qualification',
    Role: 'entity.name.type.role',
    Material: 'entity.name.type.material',
    Assay: 'entity.name.type.assay',
    Deviation: 'entity.name.type.deviation',
    Qc: 'entity.name.type.qc-plan',
    Step: 'entity.name.function.step',
    Transfer: 'entity.name.function.transfer',
    Branch: 'entity.name.function.branch',
    Decision: 'entity.name.function.decision',
    Parameter: 'entity.name.variable.parameter',
    Choice: 'variable.other.enummember',
};

/** References whose target may be named by any word (a keyword included) are scoped by what they name. */
const REFERENCE_SCOPES: Record<string, string> = {
    Parameter: 'variable.other.property',
    Choice: 'variable.other.enummember',
};

/** Each symbol of the grammar: a line that uses it, and its scope there. */
const SYMBOL_SCOPES: Record<string, { sample: string; scope: string }> = {
    '{': { sample: 'site Plant {', scope: 'punctuation.section.block.begin' },
    '}': { sample: '}', scope: 'punctuation.section.block.end' },
    ',': { sample: 'notify QAReviewer, Supervisor', scope: 'punctuation.separator.comma' },
    '.': { sample: 'at Plant.SuiteA', scope: 'punctuation.accessor' },
    '..': { sample: 'keep 2 °C .. 8 °C', scope: 'keyword.operator.range' },
    '<': { sample: 'expect < 5 EU/kg', scope: 'keyword.operator.comparison' },
    '<=': { sample: 'keep <= -150 °C', scope: 'keyword.operator.comparison' },
    '>': { sample: 'expect > 50 pg/mL', scope: 'keyword.operator.comparison' },
    '>=': { sample: 'record purity >= 70 %', scope: 'keyword.operator.comparison' },
    '=': { sample: 'record Collect.volume = 250 mL', scope: 'keyword.operator.assignment' },
    '/': { sample: 'record dose in 0.2e6 cells/kg .. 2e6 cells/kg', scope: 'keyword.other.unit' },
};

/** What the scopes of hidden and terminal tokens must include. */
const TERMINAL_SCOPES: Record<string, string> = {
    SL_COMMENT: 'comment.line.double-slash',
    ML_COMMENT: 'comment.block',
    STRING: 'string.quoted.double',
    NUMBER: 'constant.numeric',
    SEMVER: 'constant.numeric.version',
};

interface Token {
    start: number;
    end: number;
    scopes: string[];
}

/** A Coil text to check: an example file, or a fenced example of the language reference. */
interface Source {
    name: string;
    text: string;
}

/** What a token must be scoped as: a description for failures, and the test. */
interface Expectation {
    describe: string;
    accepts(scopes: string[]): boolean;
}

let grammar: IGrammar;

beforeAll(async () => {
    const wasm = fs.readFileSync(path.join(root, 'node_modules/vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new textmate.Registry({
        onigLib: Promise.resolve({
            createOnigScanner: patterns => new oniguruma.OnigScanner(patterns),
            createOnigString: text => new oniguruma.OnigString(text),
        }),
        loadGrammar: async scopeName => scopeName === 'source.coil'
            ? textmate.parseRawGrammar(tmLanguageText, 'coil.tmLanguage.json')
            : null,
    });
    const loaded = await registry.loadGrammar('source.coil');
    if (!loaded) throw new Error('source.coil did not load');
    grammar = loaded;
});

/** Tokenises a text line by line, carrying the rule stack from each line to the next as VS Code does. */
function tokenize(text: string): Token[][] {
    let stack = textmate.INITIAL;
    return text.split('\n').map(line => {
        const result = grammar.tokenizeLine(line, stack);
        stack = result.ruleStack;
        return result.tokens.map(t => ({ start: t.startIndex, end: Math.min(t.endIndex, line.length), scopes: t.scopes }));
    });
}

function hasScope(scopes: string[], prefix: string): boolean {
    return scopes.some(s => s === prefix || s.startsWith(`${prefix}.`));
}

function isKeywordScoped(scopes: string[]): boolean {
    return KEYWORD_SCOPES.some(prefix => hasScope(scopes, prefix));
}

/** A keyword outside a unit (`min`, `/` and `.` inside one are scoped as the unit). */
const keyword: Expectation = { describe: 'a keyword scope', accepts: scopes => isKeywordScoped(scopes) && !hasScope(scopes, 'keyword.other.unit') };
/** A reference or a value such as a room grade: neither a keyword nor a declaration. */
const plainName: Expectation = { describe: 'no keyword, unit or declaration scope', accepts: scopes => !isKeywordScoped(scopes) && !hasScope(scopes, 'entity.name') };

function scoped(prefix: string): Expectation {
    return { describe: prefix, accepts: scopes => hasScope(scopes, prefix) };
}

/** The scope Langium's reading of a token calls for. */
function expectationOf(leaf: LeafCstNode): Expectation {
    if (leaf.hidden) return scoped(TERMINAL_SCOPES[leaf.tokenType.name]);
    const assignment = GrammarUtils.findAssignment(leaf);
    if (assignment?.feature === 'unit') return scoped('keyword.other.unit');
    if (assignment?.feature === 'name') return scoped(DECLARATION_SCOPES[leaf.astNode.$type] ?? `a declaration scope for ${leaf.astNode.$type}`);
    if (assignment && GrammarAST.isCrossReference(assignment.terminal)) {
        const target = REFERENCE_SCOPES[assignment.terminal.type.$refText];
        return target ? scoped(target) : plainName;
    }
    if (GrammarAST.isKeyword(leaf.grammarSource)) {
        return /^[a-z_]+$/.test(leaf.text) ? keyword : scoped(SYMBOL_SCOPES[leaf.text]?.scope ?? `a scope for '${leaf.text}'`);
    }
    return leaf.tokenType.name in TERMINAL_SCOPES ? scoped(TERMINAL_SCOPES[leaf.tokenType.name]) : plainName;
}

/** The tokens that overlap a token of the parser, line by line (a block comment spans lines). */
function tokensUnder(lines: Token[][], leaf: LeafCstNode): Token[] {
    const { start, end } = leaf.range;
    const out: Token[] = [];
    for (let line = start.line; line <= end.line; line++) {
        const from = line === start.line ? start.character : 0;
        const to = line === end.line ? end.character : Infinity;
        out.push(...lines[line].filter(t => t.start < to && t.end > from));
    }
    return out;
}

/** Parses a source (it must parse cleanly) and yields every token of its concrete syntax tree. */
function leavesOf(source: Source): LeafCstNode[] {
    const result = services.parser.LangiumParser.parse(source.text);
    const errors = [...result.lexerErrors.map(e => e.message), ...result.parserErrors.map(e => e.message)];
    expect(errors, `${source.name} must parse`).toEqual([]);
    return CstUtils.streamCst(result.value.$cstNode!).filter(isLeafCstNode).toArray();
}

/** Every token of a source whose scopes are not what its kind calls for, as `file:line:col 'text': wanted, got`. */
function mismatches(source: Source): string[] {
    const lines = tokenize(source.text);
    return leavesOf(source).flatMap(leaf => {
        const expectation = expectationOf(leaf);
        const wrong = tokensUnder(lines, leaf).find(t => !expectation.accepts(t.scopes));
        if (!wrong) return [];
        const { line, character } = leaf.range.start;
        return [`${source.name}:${line + 1}:${character + 1} '${leaf.text}': wanted ${expectation.describe}, got ${wrong.scopes.join(' ')}`];
    });
}

function exampleFiles(dir = path.join(root, 'examples')): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) return exampleFiles(file);
        return entry.name.endsWith('.coil') ? [file] : [];
    });
}

const examples: Source[] = exampleFiles().map(file => ({ name: path.relative(root, file), text: fs.readFileSync(file, 'utf8') }));

const reference = fs.readFileSync(path.join(root, 'docs/language.md'), 'utf8');

/** The ```coil examples of the language reference, which use every construct of the language. */
const referenceExamples: Source[] = [...reference.matchAll(/^```coil\n([\s\S]*?)^```$/gm)].map(m => ({
    name: `docs/language.md, example at line ${reference.slice(0, m.index).split('\n').length}`,
    text: m[1],
}));

/** The scopes of the token at the first occurrence of `word` (after `after`, if given) in the line of `file` holding `fragment`. */
function scopesAt(file: string, fragment: string, word: string, after = ''): string[] {
    const source = examples.find(s => s.name === file)!;
    const lineIndex = source.text.split('\n').findIndex(l => l.includes(fragment));
    expect(lineIndex, `${file} has a line with '${fragment}'`).toBeGreaterThanOrEqual(0);
    return scopesIn(tokenize(source.text)[lineIndex], source.text.split('\n')[lineIndex], word, after);
}

function scopesIn(tokens: Token[], line: string, word: string, after = ''): string[] {
    const column = line.indexOf(word, line.indexOf(after) + after.length);
    expect(column, `'${word}' in '${line}'`).toBeGreaterThanOrEqual(0);
    return tokens.find(t => t.start <= column && column < t.end)!.scopes;
}

/** The scopes at `word` of a one-line text tokenised on its own. */
function scopesOfLine(line: string, word: string, after = ''): string[] {
    return scopesIn(tokenize(line)[0], line, word, after);
}

function grammarKeywords(langium: Grammar): string[] {
    return [...new Set(AstUtils.streamAllContents(langium).filter(GrammarAST.isKeyword).map(k => k.value))].sort();
}

const keywords = grammarKeywords(services.Grammar);
const words = keywords.filter(k => /^[a-z_]+$/.test(k));
const symbols = keywords.filter(k => !/^[a-z_]+$/.test(k));

describe('the TextMate grammar, on the examples', () => {
    it('gives every token of every example the scope its kind calls for (keywords, names, strings, quantities, units, comments)', () => {
        expect(examples.length).toBeGreaterThanOrEqual(8);
        expect(examples.flatMap(mismatches)).toEqual([]);
    });

    it('does the same on every example of the language reference', () => {
        expect(referenceExamples.length).toBeGreaterThan(20);
        expect(referenceExamples.flatMap(mismatches)).toEqual([]);
    });

    it('checks tokens of every kind, not just a few', () => {
        const kinds = new Map<string, number>();
        for (const source of [...examples, ...referenceExamples]) {
            for (const leaf of leavesOf(source)) {
                const kind = expectationOf(leaf).describe;
                kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
            }
        }
        for (const kind of [keyword, plainName, ...Object.values(TERMINAL_SCOPES).map(scoped), ...Object.values(DECLARATION_SCOPES).map(scoped)]) {
            expect(kinds.get(kind.describe) ?? 0, kind.describe).toBeGreaterThan(0);
        }
        expect(kinds.get('keyword.other.unit')).toBeGreaterThan(100);
    });

    it('reads a process header as declarations, a version and a budget', () => {
        const file = 'examples/autologous-fresh.coil';
        expect(scopesAt(file, 'process AutologousFresh', 'process')).toContain('storage.type.process.coil');
        expect(scopesAt(file, 'process AutologousFresh', 'AutologousFresh')).toContain('entity.name.type.process.coil');
        expect(scopesAt(file, 'process AutologousFresh', 'Autologous anti')).toContain('string.quoted.double.coil');
        expect(scopesAt(file, 'version 3.1.0', '3.1.0')).toContain('constant.numeric.version.coil');
        expect(scopesAt(file, 'vein_to_vein within', '35')).toContain('constant.numeric.coil');
        expect(scopesAt(file, 'vein_to_vein within', 'd', '35 ')).toContain('keyword.other.unit.coil');
        expect(scopesAt(file, 'vein_to_vein within', 'breach')).toContain('keyword.control.trigger.coil');
        expect(scopesAt(file, '// Autologous anti-CD19', 'Autologous')).toContain('comment.line.double-slash.coil');
    });

    it('reads quantities with their units, ranges and bounds', () => {
        const file = 'examples/autologous-fresh.coil';
        const cd3 = 'record cd3_cells';
        expect(scopesAt(file, cd3, 'cd3_cells')).toContain('entity.name.variable.parameter.coil');
        expect(scopesAt(file, cd3, '0.6e9')).toContain('constant.numeric.coil');
        expect(scopesAt(file, cd3, 'cells', '0.6e9')).toContain('keyword.other.unit.coil');
        expect(scopesAt(file, cd3, '..')).toContain('keyword.operator.range.coil');
        expect(scopesAt(file, 'record moi', '{copies}/{cell}')).toContain('keyword.other.unit.coil');
        expect(scopesAt(file, 'keep <= -150', '<=')).toContain('keyword.operator.comparison.coil');
        expect(scopesAt(file, 'keep <= -150', '-150')).toContain('constant.numeric.coil');
        expect(scopesAt(file, 'keep <= -150', '°C')).toContain('keyword.other.unit.coil');
        expect(scopesAt(file, 'produces 1 x DrugProduct', 'x')).toContain('keyword.operator.count.coil');
        expect(scopesAt(file, 'rework Expand at most 1 times', 'times')).toContain('keyword.control.flow.coil');
        expect(scopesAt('examples/library/assays.coil', 'result quantity in EU/kg', 'EU/kg')).toContain('keyword.other.unit.coil');
    });

    it('reads holds, decisions and scenario records with their event points and parameters', () => {
        const file = 'examples/autologous-fresh.coil';
        const hold = 'hold Apheresis from Collect.end';
        expect(scopesAt(file, hold, 'hold')).toContain('storage.type.hold.coil');
        expect(scopesAt(file, hold, '.', 'Collect')).toContain('punctuation.accessor.coil');
        expect(scopesAt(file, hold, 'end')).toContain('keyword.other.coil');
        expect(scopesAt(file, 'decide YieldCheck', 'YieldCheck')).toContain('entity.name.function.decision.coil');
        expect(scopesAt(file, 'decide YieldCheck', 'viable_cells')).toContain('variable.other.property.coil');
        expect(scopesAt(file, 'record Collect.volume = 250 mL', 'volume')).toContain('variable.other.property.coil');
        expect(scopesAt(file, 'requires step Cryopreserve', 'step')).toContain('keyword.other.coil');
        expect(isKeywordScoped(scopesAt(file, 'requires step Cryopreserve', 'Cryopreserve'))).toBe(false);
        expect(scopesAt(file, 'hold batch', 'hold')).toContain('keyword.other.coil');
    });

    it('reads a keyword used as a choice name as a choice, not a keyword', () => {
        const file = 'examples/autologous-fresh.coil';
        const line = 'record freeze_profile';
        expect(scopesAt(file, line, 'fail')).toContain('variable.other.enummember.coil');
        expect(scopesAt(file, line, 'pass', 'expect')).toContain('variable.other.enummember.coil');
        expect(scopesAt(file, line, 'out_of_range')).toContain('keyword.control.trigger.coil');
        expect(scopesOfLine('record duration "Infusion duration" in min', 'duration')).toContain('entity.name.variable.parameter.coil');
        expect(scopesOfLine('record duration "Infusion duration" in min', 'min')).toContain('keyword.other.unit.coil');
        expect(scopesOfLine('when is no terminate', 'no')).toContain('variable.other.enummember.coil');
        expect(scopesOfLine('record Infuse.outcome = no', 'no')).toContain('variable.other.enummember.coil');
    });

    it('tells a site\'s equipment and storage locations from a step\'s equipment and a material\'s storage', () => {
        const sites = 'examples/library/sites.coil';
        expect(scopesAt(sites, 'equipment Spectra', 'Spectra')).toContain('entity.name.type.equipment.coil');
        expect(scopesAt(sites, 'equipment Spectra', 'ApheresisBay')).not.toContain('keyword.other.unit.coil');
        expect(scopesAt(sites, 'storage SiteDewar', 'SiteDewar')).toContain('entity.name.type.storage-location.coil');
        expect(scopesAt(sites, 'room ApheresisBay', 'ApheresisBay')).toContain('entity.name.type.room.coil');
        expect(scopesAt('examples/autologous-fresh.coil', 'equipment Spectra', 'equipment')).toContain('keyword.other.coil');
        expect(scopesAt('examples/autologous-fresh.coil', 'equipment Spectra', 'Spectra')).not.toContain('entity.name.type.equipment.coil');
        expect(scopesAt('examples/library/materials.coil', 'storage 2 °C', 'storage')).toContain('keyword.other.coil');
    });
});

describe('the TextMate grammar, across lines and in edge cases', () => {
    it('keeps a block comment open across lines and resumes the code after it', () => {
        const text = [
            '/* Fresh apheresis, shipped at 2-8 °C.',
            '   step Windows "from validation report" { */ process Wash {',
            '}',
        ].join('\n');
        const [first, second] = tokenize(text);
        const lines = text.split('\n');
        expect(scopesIn(first, lines[0], '/*')).toContain('punctuation.definition.comment.begin.coil');
        expect(scopesIn(first, lines[0], '2-8')).toContain('comment.block.coil');
        expect(scopesIn(second, lines[1], 'step')).toContain('comment.block.coil');
        expect(scopesIn(second, lines[1], '"from')).toContain('comment.block.coil');
        expect(scopesIn(second, lines[1], '*/')).toContain('punctuation.definition.comment.end.coil');
        expect(scopesIn(second, lines[1], 'process')).toContain('storage.type.process.coil');
        expect(scopesIn(second, lines[1], 'process')).not.toContain('comment.block.coil');
        expect(scopesIn(second, lines[1], 'Wash')).toContain('entity.name.type.process.coil');
    });

    it('reads comments inside blocks and strings holding comment markers', () => {
        const material = '  material Cells "Cells // not a comment" { origin patient } // a comment';
        expect(scopesOfLine(material, '// not')).toContain('string.quoted.double.coil');
        expect(scopesOfLine(material, 'patient')).toContain('constant.language.coil');
        expect(scopesOfLine(material, '// a comment')).toContain('comment.line.double-slash.coil');
        const site = ['site Lab {', '  room R1 grade C // cleanroom grade', '  /* no storage', '  here */ storage Fridge at 2 °C .. 8 °C', '}'];
        const tokens = tokenize(site.join('\n'));
        expect(scopesIn(tokens[1], site[1], 'cleanroom')).toContain('comment.line.double-slash.coil');
        expect(scopesIn(tokens[1], site[1], 'C', 'grade')).toContain('constant.other.grade.coil');
        expect(scopesIn(tokens[2], site[2], 'storage')).toContain('comment.block.coil');
        expect(scopesIn(tokens[3], site[3], 'Fridge')).toContain('entity.name.type.storage-location.coil');
        expect(scopesIn(tokens[3], site[3], '°C')).toContain('keyword.other.unit.coil');
    });

    it('ends an unclosed string at the end of its line, as the lexer does', () => {
        const lines = tokenize('sign performer "Performed\nprocess Wash {');
        expect(scopesIn(lines[0], 'sign performer "Performed', 'Performed')).toContain('string.quoted.double.coil');
        expect(scopesIn(lines[1], 'process Wash {', 'process')).toContain('storage.type.process.coil');
    });

    it('scopes escapes inside strings', () => {
        const line = 'qualification Cryo "Cryopreservation, \\"controlled-rate\\" method"';
        expect(scopesOfLine(line, '\\"')).toContain('constant.character.escape.coil');
        expect(scopesOfLine(line, 'method')).toContain('string.quoted.double.coil');
    });
});

describe('the TextMate grammar\'s repository', () => {
    it('includes only rules it defines, and uses every rule it defines', () => {
        const includes = [...tmLanguageText.matchAll(/"include": "#([\w-]+)"/g)].map(m => m[1]);
        const defined = Object.keys(tmLanguage.repository);
        expect(includes.filter(name => !defined.includes(name))).toEqual([]);
        expect(defined.filter(name => !includes.includes(name))).toEqual([]);
        expect(tmLanguage.scopeName).toBe('source.coil');
    });
});

describe('the TextMate grammar\'s keywords follow coil.langium', () => {
    const lists: string[][] = tmLanguage.repository.keywords.patterns.map((pattern: { match: string }) => {
        const list = /^\\b\(\?:([a-z_|]+)\)\\b$/.exec(pattern.match);
        expect(list, `keyword pattern ${pattern.match}`).not.toBeNull();
        return list![1].split('|');
    });

    it('lists every keyword of the grammar once, and nothing else', () => {
        const listed = lists.flat();
        expect(words.length).toBeGreaterThan(100);
        expect([...listed].sort(), 'the keyword lists of coil.tmLanguage.json against coil.langium').toEqual(words);
        expect(listed.length, 'a word listed twice').toBe(new Set(listed).size);
    });

    it('scopes every keyword of the grammar as a keyword when written alone', () => {
        const unscoped = words.filter(word => !keyword.accepts(scopesOfLine(`  ${word}`, word)));
        expect(unscoped).toEqual([]);
    });

    it('scopes every symbol of the grammar', () => {
        expect(symbols.filter(symbol => !(symbol in SYMBOL_SCOPES)), 'add a sample to SYMBOL_SCOPES').toEqual([]);
        for (const symbol of symbols) {
            const { sample, scope } = SYMBOL_SCOPES[symbol];
            expect(hasScope(scopesOfLine(sample, symbol), scope), `'${symbol}' in '${sample}'`).toBe(true);
        }
    });
});

describe('the language configuration', () => {
    const exampleLines = examples.flatMap(source => source.text.split('\n'));

    function terminal(name: string): RegExp {
        const rule = services.Grammar.rules.find(r => r.name === name);
        if (!GrammarAST.isTerminalRule(rule)) throw new Error(`no terminal ${name}`);
        return new RegExp(`^(?:${GrammarUtils.terminalRegex(rule).source})$`);
    }

    it('holds only settings VS Code knows', () => {
        const known = ['comments', 'brackets', 'colorizedBracketPairs', 'autoClosingPairs', 'autoCloseBefore', 'surroundingPairs',
            'folding', 'wordPattern', 'indentationRules', 'onEnterRules'];
        expect(Object.keys(configuration).filter(key => !known.includes(key))).toEqual([]);
        expect(Object.keys(configuration.indentationRules).sort()).toEqual(['decreaseIndentPattern', 'increaseIndentPattern']);
    });

    it('comments as the grammar\'s comment terminals do', () => {
        const { lineComment, blockComment: [open, close] } = configuration.comments;
        expect(terminal('SL_COMMENT').test(`${lineComment} hold time from validation report VR-0142`)).toBe(true);
        expect(terminal('ML_COMMENT').test(`${open} Windows from\n   validation report VR-0142 ${close}`)).toBe(true);
    });

    it('pairs the grammar\'s braces and unit brackets, and closes quotes outside strings and comments', () => {
        expect(symbols).toEqual(expect.arrayContaining(['{', '}']));
        expect(configuration.brackets).toEqual([['{', '}'], ['[', ']']]);
        const closing = new Map(configuration.autoClosingPairs.map((p: { open: string; close: string }) => [p.open, p]));
        for (const [open, close] of configuration.brackets) expect(closing.get(open)).toMatchObject({ close });
        expect(closing.get('"')).toMatchObject({ close: '"', notIn: ['string', 'comment'] });
        expect(closing.get('/*')).toMatchObject({ close: ' */', notIn: ['string'] });
        expect(configuration.surroundingPairs).toEqual(expect.arrayContaining([['{', '}'], ['"', '"']]));
    });

    it('takes a Coil name or number as a word, and stops at dots and units', () => {
        const wordPattern = new RegExp(configuration.wordPattern, 'g');
        const wordsOf = (line: string) => [...line.matchAll(wordPattern)].map(m => m[0]);
        expect(wordsOf('step Select at Plant.SuiteA by Operator')).toEqual(['step', 'Select', 'at', 'Plant', 'SuiteA', 'by', 'Operator']);
        expect(wordsOf('record cd3_cells in 0.6e9 cells .. 20e9 cells')).toEqual(['record', 'cd3_cells', 'in', '0.6e9', 'cells', '20e9', 'cells']);
        expect(wordsOf('keep 2 °C .. 8 °C')).toEqual(['keep', '2', 'C', '8', 'C']);
        const names = examples.flatMap(source => leavesOf(source).filter(l => l.tokenType.name === 'ID').map(l => ({ line: source.text.split('\n')[l.range.start.line], leaf: l })));
        expect(names.length).toBeGreaterThan(1000);
        const misread = names.filter(({ line, leaf }) => {
            const found = [...line.matchAll(wordPattern)].find(m => m.index === leaf.range.start.character);
            return found?.[0] !== leaf.text;
        });
        expect(misread.map(({ leaf }) => leaf.text)).toEqual([]);
    });

    it('indents after a line that opens a block, and only then', () => {
        const increase = new RegExp(configuration.indentationRules.increaseIndentPattern);
        const opening = exampleLines.filter(line => /\{\s*$/.test(line));
        expect(opening.length).toBeGreaterThan(100);
        expect(opening.filter(line => !increase.test(line))).toEqual([]);
        expect(exampleLines.filter(line => !/\{\s*$/.test(line) && increase.test(line))).toEqual([]);
        expect(increase.test('  step Collect "Leukapheresis" { // 3 h to 6 h')).toBe(true);
        expect(increase.test('  step Collect "Leukapheresis {" // 3 h to 6 h')).toBe(false);
        expect(increase.test('  // see section {')).toBe(false);
        expect(increase.test('    record moi in 5 {copies}/{cell}')).toBe(false);
        expect(increase.test('  transfer ShipDose "http://courier.example/track {" of Dose from A to B {')).toBe(true);
    });

    it('outdents a line that closes a block, and only that', () => {
        const decrease = new RegExp(configuration.indentationRules.decreaseIndentPattern);
        const closing = exampleLines.filter(line => /^\s*\}/.test(line));
        expect(closing.length).toBeGreaterThan(100);
        expect(exampleLines.filter(line => decrease.test(line) !== /^\s*\}/.test(line))).toEqual([]);
        expect(decrease.test('    record moi in 5 {copies}/{cell}')).toBe(false);
    });

    /** VS Code's choice of on-Enter rule: the first whose every condition holds. */
    function onEnter(before: string, after = '', previous = ''): object | undefined {
        const rule = configuration.onEnterRules.find((r: { beforeText: string; afterText?: string; previousLineText?: string }) =>
            new RegExp(r.beforeText).test(before)
            && (r.afterText === undefined || new RegExp(r.afterText).test(after))
            && (r.previousLineText === undefined || new RegExp(r.previousLineText).test(previous)));
        return rule?.action;
    }

    it('continues a block comment on Enter, and leaves code and line comments alone', () => {
        expect(onEnter('/*', ' */')).toEqual({ indent: 'indentOutdent', appendText: ' * ' });
        expect(onEnter('/** Fresh apheresis, shipped at 2-8 °C.')).toEqual({ indent: 'none', appendText: ' * ' });
        expect(onEnter('  /* Windows from validation report VR-0142')).toEqual({ indent: 'none', appendText: ' * ' });
        expect(onEnter('   * Windows from validation report VR-0142', '', '  /* Fresh apheresis')).toEqual({ indent: 'none', appendText: '* ' });
        expect(onEnter('   */')).toEqual({ indent: 'none', removeText: 1 });
        expect(onEnter('   * VR-0142 */')).toEqual({ indent: 'none', removeText: 1 });
        expect(onEnter('  /* closed on its line */')).toBeUndefined();
        // No line of the examples (code, line comments) triggers a rule, even taken as its own previous line.
        expect(exampleLines.filter(line => onEnter(line, '', line) !== undefined)).toEqual([]);
    });

    it('folds between region markers', () => {
        const { start, end } = configuration.folding.markers;
        expect(new RegExp(start).test('  // region Release testing')).toBe(true);
        expect(new RegExp(end).test('  // endregion')).toBe(true);
        expect(exampleLines.filter(line => new RegExp(start).test(line) || new RegExp(end).test(line))).toEqual([]);
    });
});
