/**
 * The user documentation stays true: every diagnostic code is documented once, in code order,
 * with its title and severity; every Coil example in the docs parses; the language reference's
 * examples pass `coil check`; and each example said to trigger a code does trigger it.
 *
 * Conventions in the Markdown (an HTML comment on the line before a ```coil fence):
 *   <!-- triggers COIL-U003 -->  checked on its own, the snippet produces that code (several may be listed)
 *   <!-- fixes COIL-U003 -->     checked on its own, the snippet parses and does not produce that code
 *   <!-- library -->             language.md: a shared declaration every other example can use
 *   <!-- workspace NAME -->      language.md: checked together with the other snippets of that workspace only
 *   <!-- partial -->             only needs to parse
 * An unmarked example in language.md is checked with the library snippets and must have no errors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildWorkspace, CODES, isCode, toCoilDiagnostic, type Diagnostic } from '@coil/language';
import { analysisModule } from '@coil/compiler';
import { isInputErrorCode } from '../../language/src/workspace/project.js';

const root = path.resolve(__dirname, '../..');
const docs = path.join(root, 'docs');

interface Snippet {
    readonly doc: string;
    /** 1-based line of the opening fence. */
    readonly line: number;
    readonly text: string;
    readonly marker?: { readonly kind: 'triggers' | 'fixes' | 'library' | 'workspace' | 'partial'; readonly args: string[] };
}

function read(doc: string): string {
    return fs.readFileSync(path.join(docs, doc), 'utf8');
}

/** Every ```coil fenced block of a document, with the marker comment written just before it. */
function snippets(doc: string): Snippet[] {
    const lines = read(doc).split(/\r?\n/);
    const out: Snippet[] = [];
    for (let i = 0; i < lines.length; i++) {
        if (!/^```coil\s*$/.test(lines[i])) continue;
        const start = i;
        const body: string[] = [];
        for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
        let j = start - 1;
        while (j >= 0 && lines[j].trim() === '') j--;
        const comment = j >= 0 ? /^<!--\s*(triggers|fixes|library|workspace|partial)\b(.*?)-->\s*$/.exec(lines[j].trim()) : null;
        out.push({
            doc,
            line: start + 1,
            text: body.join('\n') + '\n',
            marker: comment ? { kind: comment[1] as NonNullable<Snippet['marker']>['kind'], args: comment[2].split(/[\s,]+/).filter(Boolean) } : undefined,
        });
    }
    return out;
}

function fileOf(s: Snippet, suffix = ''): string {
    return path.join(root, '.docs-snippets', `${s.doc.replace(/\W/g, '-')}-${s.line}${suffix}.coil`);
}

/** Builds the snippet (plus context files) as one workspace; returns the snippet's diagnostics. */
async function check(snippet: Snippet, context: readonly Snippet[] = []): Promise<Diagnostic[]> {
    const sources = [...context.filter(c => c !== snippet), snippet].map(s => ({ file: fileOf(s), text: s.text }));
    // As `coil check` does: the language's checks and the compiler's analyses.
    const documents = await buildWorkspace(sources, [analysisModule()]);
    const document = documents[documents.length - 1];
    return (document.diagnostics ?? []).map(d => toCoilDiagnostic(d, `${snippet.doc}:${snippet.line}`));
}

function show(diagnostics: readonly Diagnostic[]): string[] {
    // Lines are counted from the fence: snippet line 1 is the line after ```coil.
    return diagnostics.map(d => `line ${d.start.line}: ${d.severity} ${d.code} ${d.message}`);
}

const PARSE_CODES = new Set(['COIL-P001', 'COIL-P002']);
const codes = Object.keys(CODES) as Array<keyof typeof CODES>;

describe('docs/diagnostics.md', () => {
    const text = read('diagnostics.md');
    const lines = text.split(/\r?\n/);
    const anchors = [...text.matchAll(/<a id="([^"]+)"><\/a>/g)].map(m => m[1]);
    const headings = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^### COIL-/.test(l));

    it('has exactly one anchor per code, in the order of the code table', () => {
        expect(anchors).toEqual(codes.map(c => c.toLowerCase()));
    });

    it('gives each code one section headed "### CODE: title", right after its anchor', () => {
        expect(headings.map(h => h.l)).toEqual(codes.map(c => `### ${c}: ${CODES[c].title}`));
        for (const code of codes) {
            const at = lines.findIndex(l => l.trim() === `<a id="${code.toLowerCase()}"></a>`);
            let next = at + 1;
            while (next < lines.length && lines[next].trim() === '') next++;
            expect(lines[next], `the line after the anchor of ${code}`).toBe(`### ${code}: ${CODES[code].title}`);
        }
    });

    it('states the severity of each code as the code table does', () => {
        for (const [index, heading] of headings.entries()) {
            const code = codes[index];
            const end = headings[index + 1]?.i ?? lines.length;
            const section = lines.slice(heading.i, end).join('\n');
            expect(section, code).toMatch(new RegExp(`\\*\\*Severity:\\*\\* ${CODES[code].severity}\\b`));
        }
    });

    it('mentions no code that is not in the code table', () => {
        const mentioned = new Set([...text.matchAll(/COIL-[A-Z]\d{3}/gi)].map(m => m[0].toUpperCase()));
        expect([...mentioned].filter(c => !isCode(c))).toEqual([]);
    });

    it('shows, in each section, an example that triggers its code (all but COIL-X001)', () => {
        const all = snippets('diagnostics.md');
        for (const [index, heading] of headings.entries()) {
            const code = codes[index];
            if (code === 'COIL-X001') continue;
            const end = (headings[index + 1]?.i ?? lines.length) + 1;
            const triggering = all.filter(s => s.line > heading.i && s.line < end && s.marker?.kind === 'triggers' && s.marker.args.includes(code));
            expect(triggering.length, `examples triggering ${code} in its section`).toBeGreaterThan(0);
        }
    });

    // The examples may use the shared declarations of the language reference (sites, roles, materials):
    // the whole-process analyses run only on a process whose names all resolve.
    const library = snippets('language.md').filter(s => s.marker?.kind === 'library');
    for (const snippet of snippets('diagnostics.md')) {
        const marker = snippet.marker;
        if (marker?.kind === 'triggers') {
            it(`example at line ${snippet.line} triggers ${marker.args.join(', ')}`, async () => {
                const diagnostics = await check(snippet, library);
                const produced = new Set(diagnostics.map(d => d.code));
                for (const code of marker.args) {
                    expect(isCode(code), `${code} is a known code`).toBe(true);
                    expect(produced.has(code as keyof typeof CODES), `${code} expected; got:\n${show(diagnostics).join('\n')}`).toBe(true);
                }
                if (!marker.args.some(c => PARSE_CODES.has(c))) {
                    expect(show(diagnostics.filter(d => PARSE_CODES.has(d.code)))).toEqual([]);
                }
            });
        } else {
            it(`example at line ${snippet.line} parses${marker?.kind === 'fixes' ? ` and does not produce ${marker.args.join(', ')}` : ''}`, async () => {
                const diagnostics = await check(snippet);
                expect(show(diagnostics.filter(d => PARSE_CODES.has(d.code)))).toEqual([]);
                if (marker?.kind === 'fixes') {
                    expect(show(diagnostics.filter(d => marker.args.includes(d.code)))).toEqual([]);
                }
            });
        }
    }
});

describe('docs/language.md', () => {
    const all = snippets('language.md');
    const library = all.filter(s => s.marker?.kind === 'library');

    it('has examples, and a library of shared declarations for them', () => {
        expect(all.length).toBeGreaterThan(20);
        expect(library.length).toBeGreaterThan(0);
    });

    for (const snippet of all) {
        const marker = snippet.marker;
        if (marker?.kind === 'partial') {
            it(`example at line ${snippet.line} parses`, async () => {
                expect(show((await check(snippet)).filter(d => PARSE_CODES.has(d.code)))).toEqual([]);
            });
            continue;
        }
        const context = marker?.kind === 'workspace'
            ? all.filter(s => s.marker?.kind === 'workspace' && s.marker.args[0] === marker.args[0])
            : library;
        it(`example at line ${snippet.line} passes coil check (no errors)`, async () => {
            const diagnostics = await check(snippet, context);
            expect(show(diagnostics.filter(d => d.severity === 'error'))).toEqual([]);
        });
    }

    it('lists exactly the words of the grammar as reserved words', () => {
        const grammar = fs.readFileSync(path.join(root, 'language/src/coil.langium'), 'utf8');
        const keywords = new Set([...grammar.matchAll(/'([a-z_]+)'/g)].map(m => m[1]));
        const section = read('language.md').split(/^## \d+\. Reserved words$/m)[1]?.split(/\n\n/)[1] ?? '';
        const listed = new Set([...section.matchAll(/`([a-z_]+)`/g)].map(m => m[1]));
        expect([...listed].sort()).toEqual([...keywords].sort());
    });

    it('mentions only codes that exist', () => {
        const mentioned = [...read('language.md').matchAll(/COIL-[A-Z]\d{3}/g)].map(m => m[0]);
        expect(mentioned.filter(c => !isCode(c))).toEqual([]);
    });
});

/** The anchors a document offers: explicit `<a id>`s and GitHub's slugs of its headings. */
function anchorsOf(doc: string): Set<string> {
    const text = read(doc).replace(/^```[\s\S]*?^```/gm, '');
    const explicit = [...text.matchAll(/<a id="([^"]+)"><\/a>/g)].map(m => m[1]);
    const headings = [...text.matchAll(/^#{1,6} (.+)$/gm)].map(m =>
        m[1].trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
    return new Set([...explicit, ...headings]);
}

describe('links between the documents', () => {
    for (const doc of ['language.md', 'diagnostics.md', 'cli.md']) {
        it(`${doc}: every relative link points to an existing file and anchor`, () => {
            const text = read(doc).replace(/^```[\s\S]*?^```/gm, '');
            const broken: string[] = [];
            for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
                if (/^[a-z]+:/.test(target)) continue;
                const [file, anchor] = target.split('#');
                const resolved = file === '' ? path.join(docs, doc) : path.resolve(docs, file);
                if (!fs.existsSync(resolved)) {
                    broken.push(target);
                } else if (anchor !== undefined && !anchorsOf(path.relative(docs, resolved)).has(anchor)) {
                    broken.push(target);
                }
            }
            expect(broken).toEqual([]);
        });
    }
});

describe('docs/cli.md', () => {
    it('mentions only codes that exist, and its Coil examples parse', async () => {
        const mentioned = [...read('cli.md').matchAll(/COIL-[A-Z]\d{3}/g)].map(m => m[0]);
        // The input errors of the command (exit status 2) have codes of their own, outside CODES.
        expect(mentioned.filter(c => !isCode(c) && !isInputErrorCode(c))).toEqual([]);
        for (const snippet of snippets('cli.md')) {
            expect(show((await check(snippet)).filter(d => PARSE_CODES.has(d.code))), `cli.md:${snippet.line}`).toEqual([]);
        }
    });
});

describe('docs/editor.md', () => {
    const editor = read('editor.md');
    /** The rows of the Markdown table whose header row starts with `| first |`. */
    const table = (first: string): string[][] => {
        const lines = editor.split('\n');
        const start = lines.findIndex(l => l.startsWith(`| ${first} |`));
        expect(start, `a table headed ${first}`).toBeGreaterThanOrEqual(0);
        const rows: string[][] = [];
        for (let i = start + 2; i < lines.length && lines[i].startsWith('|'); i++) rows.push(lines[i].split('|').slice(1, -1).map(c => c.trim()));
        return rows;
    };

    it('lists exactly the codes that have a quick fix', async () => {
        const { fixesFor } = await import('../../language/src/lsp/quick-fixes/index.js');
        const withFix = Object.keys(CODES).filter(code => fixesFor(code).length > 0).sort();
        // A cell names codes as COIL-R001, D001, Q001: the prefix is written once.
        const documented = table('Code').flatMap(([codes]) => codes.split(',').map(c => c.trim()).map(c => (c.startsWith('COIL-') ? c : `COIL-${c}`)));
        expect([...new Set(documented)].sort()).toEqual(withFix);
    });

    it('documents exactly the settings the extension declares, with their defaults', () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(root, 'vscode-extension/package.json'), 'utf8')) as {
            contributes: { configuration: { properties: Record<string, { default: unknown }> }; commands: Array<{ title: string; category: string }> };
        };
        const properties = manifest.contributes.configuration.properties;
        const documented = new Map(table('Setting').map(([name, value]) => [name.replace(/`/g, ''), value.replace(/`/g, '')]));
        expect([...documented.keys()].sort()).toEqual(Object.keys(properties).sort());
        for (const [name, { default: value }] of Object.entries(properties)) {
            expect(documented.get(name), name).toBe(value === '' ? 'empty' : String(value));
        }
        const commands = table('Command').map(([title]) => title.replace(/\*/g, ''));
        expect(commands.sort()).toEqual(manifest.contributes.commands.map(c => `${c.category}: ${c.title}`).sort());
    });
});
