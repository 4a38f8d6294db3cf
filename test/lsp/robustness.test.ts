/**
 * The language server against damaged input, over the real protocol. Each case is an example
 * broken in a seeded, replayable way (truncated, a span deleted or duplicated, stray characters
 * inserted, lines shuffled; or an empty, one-character or one-very-long-line document). The case
 * is put in the editor, its diagnostics are awaited, and then every request the server advertises
 * is sent at random positions, at the very end and past the end of the text: hover, completion,
 * definition, references, highlight, prepareRename and rename, the outline, workspace symbols,
 * folding, semantic tokens, inlay hints, formatting, the code actions of each diagnostic (each
 * resolved) and Coil's own coil/diagram and coil/scenarios.
 *
 * What must hold: every request answers within REQUEST_BOUND_MS, with a result or with a refusal
 * (RequestFailed, cancelled, content modified, invalid params), never with an InternalError (an
 * exception the server did not handle); formatting never changes anything but white space; the
 * server stays alive; and once the original text is back every open document is clean again.
 * A failing case names the request, the position and the error, and replays from its seed.
 *
 * Then what an editor does besides: asking about a document that is not open, cancelling requests
 * at once, and typing (a change per keystroke, requests in between, nothing awaited). An answer
 * must then be a result or an error, never an error serialised as a result (`{"code":-32800}`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    CodeActionRequest, CodeActionResolveRequest, CompletionRequest, DefinitionRequest, DocumentFormattingRequest, DocumentHighlightRequest,
    DocumentRangeFormattingRequest, DocumentSymbolRequest, FoldingRangeRequest, HoverRequest, InlayHintRequest, LSPErrorCodes,
    LogMessageNotification, MessageType, PrepareRenameRequest, ReferencesRequest, RenameRequest, ResponseError, SemanticTokensRangeRequest,
    SemanticTokensRequest, WorkspaceSymbolRequest,
    CancellationTokenSource,
    type CancellationToken, type CodeAction, type Command, type Diagnostic, type Position, type Range, type TextEdit,
} from 'vscode-languageserver-protocol';
import { repository, startLsp, type LspSession } from './harness.js';

/** The one seed everything random is drawn from: fixed, so that a failure replays; COIL_FUZZ_SEED explores others. */
const SEED = Number(process.env.COIL_FUZZ_SEED ?? 0xc011);
/** Every request must answer within this, even on a loaded machine. */
const REQUEST_BOUND_MS = 10_000;
/** How many damaged texts of each kind are drawn for each file. */
const ROUNDS = Number(process.env.COIL_FUZZ_ROUNDS ?? 2);
/** Positions on names asked about in each case (besides the damage, a random one, the end and past the end). */
const NAMED_POSITIONS = 3;
/**
 * What a refusal may be: anything else is a bug (InternalError above all: an exception the server
 * did not handle; the parameters sent are always well-formed, so InvalidParams is one too).
 */
const REFUSALS = new Set<number>([LSPErrorCodes.RequestFailed, LSPErrorCodes.RequestCancelled, LSPErrorCodes.ContentModified, LSPErrorCodes.ServerCancelled]);

const EXAMPLES = path.join(repository, 'examples');
/** The files damaged: the four processes, and a library file every process uses. */
const FILES = ['autologous-fresh.coil', 'autologous-cryo.coil', 'short-cycle.coil', 'allogeneic-nonviral.coil', 'library/materials.coil'];
const ORIGINAL = new Map(FILES.map(file => [file, fs.readFileSync(path.join(EXAMPLES, file), 'utf8')]));

// ---------------------------------------------------------------------------------------------
// A seeded random source, and the ways a text is damaged.

/** mulberry32: small, fast, and the same sequence on every machine. */
class Random {
    private state: number;
    constructor(seed: number) {
        this.state = seed | 0;
    }
    /** In [0, 1). */
    next(): number {
        this.state = (this.state + 0x6d2b79f5) | 0;
        let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }
    /** In [0, n). */
    int(n: number): number {
        return Math.floor(this.next() * n);
    }
    pick<T>(choices: readonly T[]): T {
        return choices[this.int(choices.length)];
    }
}

/** What is typed into a damaged text: brackets, quotes, comment openers, units' characters, emoji, odd white space and control characters. */
const FRAGMENTS = [
    '{', '}', '"', '/*', '*/', '//', '°', 'µ', '😀', '\u{1F9EC}', '\r\n', '\r', '\0', '\t', '\n', '.', '..', ',', '%', '-', '/',
    '{cells}', '1e999', '0.', 'step', 'raise', 'process', 'on', '\uFEFF', '\u200B',
];

type Damage = (text: string, random: Random) => string;

/** A span of at most `max` characters, somewhere in `text`. */
function span(text: string, random: Random, max: number): [number, number] {
    const start = random.int(text.length + 1);
    return [start, Math.min(text.length, start + 1 + random.int(max))];
}

const DAMAGES: Record<string, Damage> = {
    truncated: (text, random) => text.slice(0, random.int(text.length + 1)),
    'span deleted': (text, random) => {
        const [start, end] = span(text, random, random.pick([20, 300, 3000]));
        return text.slice(0, start) + text.slice(end);
    },
    'span duplicated': (text, random) => {
        const [start, end] = span(text, random, random.pick([20, 300, 3000]));
        const at = random.int(text.length + 1);
        return text.slice(0, at) + text.slice(start, end) + text.slice(at);
    },
    'characters inserted': (text, random) => {
        let out = text;
        for (let n = 1 + random.int(8); n > 0; n--) {
            const at = random.int(out.length + 1);
            out = out.slice(0, at) + random.pick(FRAGMENTS) + out.slice(at);
        }
        return out;
    },
    'lines shuffled': (text, random) => {
        const lines = text.split('\n');
        const start = random.int(lines.length);
        const block = lines.slice(start, start + 5 + random.int(25));
        for (let i = block.length - 1; i > 0; i--) {
            const j = random.int(i + 1);
            [block[i], block[j]] = [block[j], block[i]];
        }
        return [...lines.slice(0, start), ...block, ...lines.slice(start + block.length)].join('\n');
    },
    'all of it': (text, random) => {
        let out = text;
        for (const name of ['span deleted', 'span duplicated', 'characters inserted', 'lines shuffled', 'truncated']) {
            if (random.next() < 0.6) out = DAMAGES[name](out, random);
        }
        return out;
    },
};

interface Case {
    readonly name: string;
    /** The file whose text the case replaces in the editor. */
    readonly file: string;
    readonly text: string;
}

/** Every case, drawn once from SEED: the same texts on every run. */
function cases(): Case[] {
    const random = new Random(SEED);
    const out: Case[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
        for (const file of FILES) {
            for (const [name, damage] of Object.entries(DAMAGES)) out.push({ name: `${file}, ${name} #${round}`, file, text: damage(ORIGINAL.get(file)!, random) });
        }
    }
    const fresh = ORIGINAL.get('autologous-fresh.coil')!;
    const withoutComments = fresh.replace(/\/\/[^\n]*/g, '');
    const specials: Array<[string, string]> = [
        ['empty', ''],
        ['one character "p"', 'p'],
        ['one character "{"', '{'],
        ['one character "\\"" ', '"'],
        ['one NUL', '\0'],
        ['one line: the process without comments, joined', withoutComments.replace(/\r?\n/g, ' ')],
        ['one line of 100,000 letters', `process ${'x'.repeat(100_000)}`],
        ['2,000 unclosed braces', `process P "p" ${'{'.repeat(2_000)}`],
        ['CRLF line ends throughout', fresh.replace(/\n/g, '\r\n')],
        ['only a comment left open', `${fresh.slice(0, 400)}/* ${fresh.slice(400)}`],
        // Found with other seeds, and kept (minimised) so that they are always tried.
        ['a decision reworking a step not declared (COIL_FUZZ_SEED=2)', fresh.replace('rework Expand at most', 'rework Expandraise at most')],
        ['a decision reworking a step not declared, alone', 'process P "p" { decide D on X.y { when < 1 cells rework Nope at most 1 times } }'],
    ];
    for (const [name, text] of specials) out.push({ name: `autologous-fresh.coil, ${name}`, file: 'autologous-fresh.coil', text });
    return out;
}

// ---------------------------------------------------------------------------------------------
// Positions as LSP counts them (lines end at \r\n, \n or \r; characters are UTF-16 units).

function linesOf(text: string): string[] {
    return text.split(/\r\n|\r|\n/);
}

function offsetAt(text: string, position: Position): number {
    let offset = 0;
    let line = 0;
    const breaks = /\r\n|\r|\n/g;
    while (line < position.line) {
        const next = breaks.exec(text);
        if (!next) return text.length;
        offset = next.index + next[0].length;
        line++;
    }
    const end = breaks.exec(text)?.index ?? text.length;
    return Math.min(offset + position.character, end);
}

function applyEdits(text: string, edits: readonly TextEdit[]): string {
    const located = edits.map(e => ({ start: offsetAt(text, e.range.start), end: offsetAt(text, e.range.end), newText: e.newText }));
    located.sort((a, b) => b.start - a.start);
    let out = text;
    for (const e of located) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
    return out;
}

function positionAt(text: string, offset: number): Position {
    const before = linesOf(text.slice(0, offset));
    return { line: before.length - 1, character: before.at(-1)!.length };
}

function randomPosition(text: string, random: Random): Position {
    const lines = linesOf(text);
    const line = random.int(lines.length);
    return { line, character: random.int(lines[line].length + 1) };
}

/** A position inside or just after a random name of `text`, where there is most to find out. */
function positionOnAName(text: string, random: Random): Position {
    const names = [...text.slice(0, 200_000).matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)];
    if (names.length === 0) return randomPosition(text, random);
    const name = random.pick(names);
    return positionAt(text, name.index + random.int(name[0].length + 1));
}

/**
 * The positions a case asks about: where the damage starts and ends (the first and last
 * characters that differ from the original), on names, anywhere, at the very end, and past it.
 */
function positionsIn(text: string, original: string, random: Random): Position[] {
    let first = 0;
    while (first < text.length && text[first] === original[first]) first++;
    let fromEnd = 0;
    while (fromEnd < text.length - first && text[text.length - 1 - fromEnd] === original[original.length - 1 - fromEnd]) fromEnd++;
    const lines = linesOf(text);
    const last = lines.length - 1;
    const end = { line: last, character: lines[last].length };
    return [
        positionAt(text, first), positionAt(text, text.length - fromEnd),
        ...Array.from({ length: NAMED_POSITIONS }, () => positionOnAName(text, random)), randomPosition(text, random),
        end, { line: last, character: end.character + 40 }, { line: last + 3, character: 2 },
    ];
}

function randomRange(text: string, random: Random): Range {
    const [a, b] = [randomPosition(text, random), randomPosition(text, random)];
    return a.line < b.line || (a.line === b.line && a.character <= b.character) ? { start: a, end: b } : { start: b, end: a };
}

const show = (p: Position) => `${p.line}:${p.character}`;
const withoutWhiteSpace = (text: string) => text.replace(/\s+/g, '');

// ---------------------------------------------------------------------------------------------
// The session, and a request that is timed and judged.

let lsp: LspSession;
/** The server's standard error and its error log messages, since the start. */
const serverErrors: string[] = [];
/** What went wrong in the current case. */
let problems: string[] = [];

beforeAll(async () => {
    lsp = await startLsp();
    lsp.server.stderr!.on('data', (chunk: Buffer) => serverErrors.push(chunk.toString()));
    lsp.client.onNotification(LogMessageNotification.type, ({ type, message }) => {
        if (type === MessageType.Error) serverErrors.push(message);
    });
    for (const file of FILES) await lsp.open(file, ORIGINAL.get(file));
    for (const file of FILES) await lsp.diagnosticsFor(lsp.uriOf(file), d => d.length === 0);
}, 60_000);

afterAll(async () => {
    if (lsp.server.exitCode === null) await lsp.stop();
});

/** Sends a request and judges its answer: on time, and a result or a refusal. Resolves with the result, if any. */
async function ask<R>(what: string, method: string, params: object, token?: CancellationToken): Promise<R | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<typeof LATE>(resolve => (timer = setTimeout(() => resolve(LATE), REQUEST_BOUND_MS)));
    try {
        // (An undefined token would be sent as a second parameter.)
        const sent = token ? lsp.client.sendRequest<R>(method, params, token) : lsp.client.sendRequest<R>(method, params);
        const answer = await Promise.race([sent, late]);
        if (answer === LATE) problems.push(`${what}: no answer within ${REQUEST_BOUND_MS} ms`);
        else if (looksLikeAnError(answer)) problems.push(`${what}: an error sent as a result: ${JSON.stringify(answer)}`);
        else {
            tally.results++;
            return answer;
        }
    } catch (error) {
        tally.refusals++;
        if (!(error instanceof ResponseError)) problems.push(`${what}: ${String(error)}`);
        else if (!REFUSALS.has(error.code)) problems.push(`${what}: error ${error.code}: ${error.message}`);
    } finally {
        clearTimeout(timer);
    }
    return undefined;
}
const LATE = Symbol('late');
/** How the requests were answered, since the start. */
const tally = { results: 0, refusals: 0 };

/** `{ "code": -32800 }`: a ResponseError the server serialised as a result instead of sending it as an error. */
function looksLikeAnError(answer: unknown): boolean {
    return typeof answer === 'object' && answer !== null && !Array.isArray(answer) && typeof (answer as { code?: unknown }).code === 'number'
        && Object.keys(answer).every(key => ['code', 'message', 'data'].includes(key));
}

/** Replaces the editor's text of `uri` and resolves with the diagnostics the server publishes for it. */
async function changeAndCheck(uri: string, text: string): Promise<Diagnostic[]> {
    const before = lsp.published.get(uri)?.length ?? 0;
    await lsp.change(uri, text);
    const deadline = Date.now() + 30_000;
    while ((lsp.published.get(uri)?.length ?? 0) <= before) {
        if (Date.now() > deadline || lsp.server.exitCode !== null) throw new Error(`no diagnostics for ${uri} after the change`);
        await new Promise(resolve => setTimeout(resolve, 10));
    }
    return lsp.published.get(uri)!.at(-1)!.diagnostics;
}

/** The diagnostics last published for `uri`, once the server has published none for a while. */
async function settledDiagnostics(uri: string, quietMs = 1_500, timeoutMs = 20_000): Promise<Diagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    let count = -1;
    let since = Date.now();
    for (;;) {
        const all = lsp.published.get(uri) ?? [];
        if (all.length !== count) [count, since] = [all.length, Date.now()];
        const last = all.at(-1)?.diagnostics ?? [];
        if (Date.now() - since > quietMs || Date.now() > deadline) return last;
        await new Promise(resolve => setTimeout(resolve, 20));
    }
}

/** Every positional request at `at`. */
async function askAt(uri: string, at: Position): Promise<void> {
    const doc = { textDocument: { uri }, position: at };
    const where = show(at);
    await Promise.all([
        ask(`hover at ${where}`, HoverRequest.method, doc),
        ask(`completion at ${where}`, CompletionRequest.method, doc),
        ask(`definition at ${where}`, DefinitionRequest.method, doc),
        ask(`references at ${where}`, ReferencesRequest.method, { ...doc, context: { includeDeclaration: true } }),
        ask(`documentHighlight at ${where}`, DocumentHighlightRequest.method, doc),
        ask(`prepareRename at ${where}`, PrepareRenameRequest.method, doc),
        ask(`rename at ${where}`, RenameRequest.method, { ...doc, newName: 'Renamed' }),
    ]);
}

/** Every request about the document as a whole, or a range of it. */
async function askAboutDocument(uri: string, text: string, random: Random): Promise<void> {
    const textDocument = { uri };
    const lines = linesOf(text);
    const whole: Range = { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } };
    const someRange = randomRange(text, random);
    const word = /[A-Za-z]{3,}/.exec(text.slice(random.int(text.length)))?.[0] ?? '';
    const options = { tabSize: 2, insertSpaces: true };
    const [formatted, rangeFormatted] = await Promise.all([
        ask<TextEdit[] | null>('formatting', DocumentFormattingRequest.method, { textDocument, options }),
        ask<TextEdit[] | null>(`rangeFormatting of ${show(someRange.start)}-${show(someRange.end)}`, DocumentRangeFormattingRequest.method, { textDocument, range: someRange, options }),
        ask('documentSymbol', DocumentSymbolRequest.method, { textDocument }),
        ask('workspace/symbol ""', WorkspaceSymbolRequest.method, { query: '' }),
        ask(`workspace/symbol "${word}"`, WorkspaceSymbolRequest.method, { query: word }),
        ask('foldingRange', FoldingRangeRequest.method, { textDocument }),
        ask('semanticTokens/full', SemanticTokensRequest.method, { textDocument }),
        ask(`semanticTokens/range ${show(someRange.start)}-${show(someRange.end)}`, SemanticTokensRangeRequest.method, { textDocument, range: someRange }),
        ask('inlayHint (whole document)', InlayHintRequest.method, { textDocument, range: whole }),
        ask(`inlayHint ${show(someRange.start)}-${show(someRange.end)}`, InlayHintRequest.method, { textDocument, range: someRange }),
        ask('coil/diagram', 'coil/diagram', { uri }),
        ask('coil/scenarios', 'coil/scenarios', { uri }),
    ]);
    for (const [what, edits] of [['formatting', formatted], ['rangeFormatting', rangeFormatted]] as const) {
        if (edits && withoutWhiteSpace(applyEdits(text, edits)) !== withoutWhiteSpace(text)) problems.push(`${what}: the edits change more than white space`);
    }
}

/** The code actions of each diagnostic, each resolved. */
async function askForFixes(uri: string, diagnostics: Diagnostic[]): Promise<number> {
    let actionsSeen = 0;
    await Promise.all(diagnostics.map(async diagnostic => {
        const what = `codeAction for ${diagnostic.code ?? ''} "${diagnostic.message.slice(0, 60)}" at ${show(diagnostic.range.start)}`;
        const actions = await ask<Array<CodeAction | Command> | null>(what, CodeActionRequest.method, {
            textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] },
        });
        for (const action of actions ?? []) {
            actionsSeen++;
            if (typeof action.command !== 'string') { // a CodeAction, not a bare Command
                await ask(`codeAction/resolve of "${action.title}" (${what})`, CodeActionResolveRequest.method, action);
            }
        }
    }));
    return actionsSeen;
}

/** Every request the server advertises, about `text` as the editor of `uri` has it. */
async function askEverything(uri: string, text: string, original: string, diagnostics: Diagnostic[], random: Random): Promise<void> {
    const positions = positionsIn(text, original, random);
    for (const at of positions) await askAt(uri, at);
    await askAboutDocument(uri, text, random);
    asked.actions += await askForFixes(uri, diagnostics);
    asked.positions += positions.length;
    asked.diagnostics += diagnostics.length;
}

/** Fails with what went wrong, if anything, since `errorsBefore` server errors. */
function expectNoProblems(errorsBefore: number): void {
    expect(lsp.server.exitCode, 'the server is alive').toBeNull();
    expect(lsp.server.signalCode, 'the server is alive').toBeNull();
    expect({ problems, serverErrors: serverErrors.slice(errorsBefore) }).toEqual({ problems: [], serverErrors: [] });
}

// ---------------------------------------------------------------------------------------------

const CASES = cases();
/** Counted as the cases run, for the summary at the end. */
const asked = { cases: 0, positions: 0, diagnostics: 0, actions: 0 };

describe('coil lsp on damaged input', () => {
    it.each(CASES.map((c, index) => [c.name, index] as const))('%s: answers every request, then recovers', async (_name, index) => {
        const { file, text } = CASES[index];
        const uri = lsp.uriOf(file);
        const random = new Random(SEED + index);
        problems = [];
        const errorsBefore = serverErrors.length;
        const before = { ...tally };

        const diagnostics = await changeAndCheck(uri, text);
        await askEverything(uri, text, ORIGINAL.get(file)!, diagnostics, random);
        asked.cases++;
        // Most requests have an answer (refusals are for renames at places where nothing can be renamed).
        expect(tally.results - before.results, 'requests answered with a result').toBeGreaterThan(2 * (tally.refusals - before.refusals));
        expect(lsp.server.exitCode, 'the server is alive').toBeNull();
        // The original text back: the document, and every other open one, clean again.
        expect(await changeAndCheck(uri, ORIGINAL.get(file)!), 'diagnostics once the original text is back').toEqual([]);
        for (const other of FILES) await lsp.diagnosticsFor(lsp.uriOf(other), d => d.length === 0, 10_000);
        expectNoProblems(errorsBefore);
    }, 60_000);
});

describe('coil lsp asked what it cannot answer as asked', () => {
    it('answers about a document it does not know with a result or an error', async () => {
        problems = [];
        const errorsBefore = serverErrors.length;
        // Not open in the editor: a .coil file that does not exist, an unsaved editor, a file of another language.
        for (const uri of ['file:///nowhere/unknown.coil', 'untitled:Untitled-1', lsp.uriOf('coil.json')]) {
            const before = problems.length;
            await askAt(uri, { line: 0, character: 0 });
            await askAboutDocument(uri, '', new Random(SEED));
            for (let i = before; i < problems.length; i++) problems[i] = `${uri.replace(lsp.workspace, '<workspace>')}: ${problems[i]}`;
        }
        expectNoProblems(errorsBefore);
    });

    it('answers requests the client cancels with RequestCancelled or a result', async () => {
        problems = [];
        const errorsBefore = serverErrors.length;
        const uri = lsp.uriOf('allogeneic-nonviral.coil');
        const text = ORIGINAL.get('allogeneic-nonviral.coil')!;
        const random = new Random(SEED);
        // A change, then requests cancelled at once: as an editor does while the user types.
        await lsp.change(uri, `${text}\n`);
        const cancelled = Array.from({ length: 10 }, () => new CancellationTokenSource());
        const answers = cancelled.map((source, i) => {
            const at = positionOnAName(text, random);
            const asking = [
                ask(`hover at ${show(at)}, cancelled`, HoverRequest.method, { textDocument: { uri }, position: at }, source.token),
                ask(`completion at ${show(at)}, cancelled`, CompletionRequest.method, { textDocument: { uri }, position: at }, source.token),
                ask('semanticTokens/full, cancelled', SemanticTokensRequest.method, { textDocument: { uri } }, source.token),
                ask('documentSymbol, cancelled', DocumentSymbolRequest.method, { textDocument: { uri } }, source.token),
                ask('coil/diagram, cancelled', 'coil/diagram', { uri }, source.token),
            ];
            if (i % 2 === 0) source.cancel();
            else setTimeout(() => source.cancel(), 5 * i);
            return Promise.all(asking);
        });
        await Promise.all(answers);
        await lsp.change(uri, text);
        expect(await settledDiagnostics(uri), 'diagnostics once the original text is back').toEqual([]);
        expectNoProblems(errorsBefore);
    });

    it('keeps up with typing: a change after each keystroke, requests in between, none awaited', async () => {
        problems = [];
        const errorsBefore = serverErrors.length;
        const file = 'autologous-fresh.coil';
        const uri = lsp.uriOf(file);
        const text = ORIGINAL.get(file)!;
        const random = new Random(SEED);
        // A step typed out again, one piece at a time, in the middle of the process.
        const at = text.indexOf('  step Transduce');
        const typed = text.slice(at, text.indexOf('\n  }\n', at) + 4);
        const pending: Array<Promise<unknown>> = [];
        for (let length = 0; length <= typed.length; length += 1 + random.int(12)) {
            const now = text.slice(0, at) + typed.slice(0, length) + text.slice(at);
            await lsp.change(uri, now);
            const where = positionAt(now, at + length);
            pending.push(
                ask(`completion at ${show(where)} while typing`, CompletionRequest.method, { textDocument: { uri }, position: where }),
                ask(`hover at ${show(where)} while typing`, HoverRequest.method, { textDocument: { uri }, position: where }),
                ask('semanticTokens/full while typing', SemanticTokensRequest.method, { textDocument: { uri } }),
                ask('inlayHint while typing', InlayHintRequest.method, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: positionAt(now, now.length) } }),
                ask('coil/diagram while typing', 'coil/diagram', { uri }),
            );
        }
        await Promise.all(pending);
        // The checks of the texts typed may still be under way: the last diagnostics published must be clean.
        await lsp.change(uri, text);
        expect(await settledDiagnostics(uri), 'diagnostics once the original text is back').toEqual([]);
        expectNoProblems(errorsBefore);
    });
});

describe('coil lsp after all that', () => {
    it('is still alive, and shuts down cleanly', async () => {
        console.log(`robustness: ${asked.cases} damaged texts, ${asked.positions} positions, ${asked.diagnostics} diagnostics, ${asked.actions} code actions;`
            + ` ${tally.results} results, ${tally.refusals} refusals`);
        expect(await lsp.stop()).toBe(0);
    });
});
