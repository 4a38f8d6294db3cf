/**
 * Quick fixes over the real protocol. Each test breaks the autologous example the way its
 * diagnostic describes, asks for code actions on that diagnostic, checks the light action the
 * server offers (no edit yet), resolves it, applies the edit (to the process in the editor, or to
 * a library file on disk that is then opened), and checks that the diagnostic is gone and no
 * error took its place.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    CodeActionRequest, CodeActionResolveRequest, DiagnosticSeverity, TextDocumentEdit,
    type CodeAction, type Diagnostic, type TextEdit, type WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { applyEdits, CAPABILITIES, startLsp, type LspSession } from './harness.js';

const PROCESS = 'autologous-fresh.coil';

let lsp: LspSession;
let uri: string;
let fresh: string;

beforeAll(async () => {
    lsp = await startLsp();
    ({ uri, text: fresh } = await lsp.open(PROCESS));
    await lsp.diagnosticsFor(uri, d => d.length === 0);
}, 60_000);

afterAll(async () => {
    if (lsp.server.exitCode === null) await lsp.stop();
});

async function codeActions(session: LspSession, forUri: string, diagnostic: Diagnostic, only?: string[]): Promise<CodeAction[]> {
    const result = await session.client.sendRequest(CodeActionRequest.type, {
        textDocument: { uri: forUri }, range: diagnostic.range, context: { diagnostics: [diagnostic], only },
    });
    return (result ?? []) as CodeAction[];
}

/** Puts `broken` in the editor and waits for the diagnostic `code` (the first one reported); returns it with the actions offered for it. */
async function offered(broken: string, code: string): Promise<{ diagnostic: Diagnostic; actions: CodeAction[] }> {
    await lsp.change(uri, broken);
    const diagnostics = await lsp.diagnosticsFor(uri, d => d.some(x => x.code === code));
    const diagnostic = diagnostics.find(d => d.code === code)!;
    return { diagnostic, actions: await codeActions(lsp, uri, diagnostic) };
}

/** The edits of a WorkspaceEdit by document, with the version each was made for (null: the file on disk). */
function editsByUri(edit: WorkspaceEdit | undefined): Map<string, { version: number | null; edits: TextEdit[] }> {
    const out = new Map<string, { version: number | null; edits: TextEdit[] }>();
    for (const [target, edits] of Object.entries(edit?.changes ?? {})) out.set(target, { version: null, edits });
    for (const change of edit?.documentChanges ?? []) {
        expect(TextDocumentEdit.is(change), JSON.stringify(change)).toBe(true);
        const { textDocument, edits } = change as TextDocumentEdit;
        out.set(textDocument.uri, { version: textDocument.version, edits: edits as TextEdit[] });
    }
    return out;
}

/** Library files the test has opened in the editor, with their text there. */
const opened = new Map<string, string>();

/**
 * Applies a resolved edit as an editor would: to the process in the editor (whose text is
 * `processText`) and to other files open there, or else to the file on disk, which is then opened.
 * Returns the process's new text.
 */
async function applyEdit(edit: WorkspaceEdit | undefined, processText: string): Promise<string> {
    const byUri = editsByUri(edit);
    expect(byUri.size, JSON.stringify(edit)).toBeGreaterThan(0);
    let text = processText;
    for (const [target, { edits }] of byUri) {
        if (target === uri) {
            text = applyEdits(text, edits);
            await lsp.change(uri, text);
        } else if (opened.has(target)) {
            opened.set(target, applyEdits(opened.get(target)!, edits));
            await lsp.change(target, opened.get(target)!);
        } else {
            const file = fileURLToPath(target);
            const changed = applyEdits(fs.readFileSync(file, 'utf8'), edits);
            fs.writeFileSync(file, changed);
            await lsp.open(path.relative(lsp.workspace, file), changed);
            opened.set(target, changed);
        }
    }
    return text;
}

interface Expected {
    readonly code: string;
    readonly title: string;
    readonly preferred: boolean;
}

/**
 * Breaks the process, takes the action titled `expected.title` for the diagnostic, checks it is
 * light (no edit, data to resolve), resolves and applies it, and checks the fixed process: the
 * diagnostic gone, no error. Returns the fixed text and the resolved action.
 */
async function fix(broken: string, expected: Expected): Promise<{ text: string; resolved: CodeAction }> {
    const { diagnostic, actions } = await offered(broken, expected.code);
    const action = actions.find(a => a.title === expected.title);
    expect(action, JSON.stringify(actions.map(a => a.title))).toBeDefined();
    expect(action).toMatchObject({ kind: 'quickfix', isPreferred: expected.preferred, diagnostics: [diagnostic] });
    expect(action!.edit).toBeUndefined();
    expect(action!.data).toBeDefined();
    const resolved = await lsp.client.sendRequest(CodeActionResolveRequest.type, action!);
    expect(resolved.title).toBe(expected.title);
    const text = await applyEdit(resolved.edit, broken);
    const after = await lsp.diagnosticsFor(uri, d => !d.some(x => x.code === expected.code));
    expect(after.filter(d => d.severity === DiagnosticSeverity.Error), text).toEqual([]);
    return { text, resolved };
}

/** `fresh` with `from` replaced by `to` (the first occurrence), failing if `from` is not there. */
function breaking(from: string, to: string): string {
    expect(fresh).toContain(from);
    return fresh.replace(from, to);
}

describe('quick fixes', () => {
    it('advertises resolvable quick fixes', () => {
        expect(lsp.initialized.capabilities.codeActionProvider).toEqual({ codeActionKinds: ['quickfix'], resolveProvider: true });
    });

    it('COIL-I002: verifies identity at the end of a transfer that does not', async () => {
        const broken = breaking('verify identity at dispatch, receipt on mismatch', 'verify identity at dispatch on mismatch');
        const { text, resolved } = await fix(broken, { code: 'COIL-I002', title: 'Verify identity at receipt of ShipApheresis', preferred: true });
        expect(text).toBe(fresh);
        // The client supports versioned document changes: the edit is made for the version in the editor.
        expect(editsByUri(resolved.edit).get(uri)?.version).toEqual(expect.any(Number));
    });

    it('COIL-I002: adds the identity line before the signatures of a transfer without one', async () => {
        const broken = breaking('    verify identity at dispatch, receipt on mismatch raise IdentityMismatch\n    sign sender ApheresisNurse', '    sign sender ApheresisNurse');
        const { text } = await fix(broken, { code: 'COIL-I002', title: 'Verify identity at dispatch and receipt of ShipApheresis', preferred: true });
        expect(text).toContain('on excursion raise TemperatureExcursion\n    verify identity at dispatch, receipt\n    sign sender ApheresisNurse, receiver Operator');
    });

    it('COIL-D001: declares the deviation a trigger raises, after the process\'s other deviations', async () => {
        const broken = breaking('on late raise ExpansionOverrun', 'on late raise ExpansionDelay');
        const { diagnostic, actions } = await offered(broken, 'COIL-D001');
        expect(actions.map(a => a.title)).toEqual(['Declare deviation ExpansionDelay in process AutologousFresh']);
        expect(diagnostic.message).not.toContain('Did you mean');
        const { text } = await fix(broken, { code: 'COIL-D001', title: 'Declare deviation ExpansionDelay in process AutologousFresh', preferred: true });
        // Dispositioned by the role that decides most of the process's deviations; before the scenarios.
        expect(text).toContain([
            '    disposition by QAReviewer options continue\n  }',
            '',
            '  deviation ExpansionDelay "Expansion delay" severity major {',
            '    disposition by QAReviewer options continue, reject',
            '  }',
            '',
            '  scenario "happy path',
        ].join('\n'));
    });

    it('writes the new lines of a fix with the line breaks of the file (CRLF)', async () => {
        const crlf = (text: string) => text.replace(/\n/g, '\r\n');
        const broken = crlf(breaking('on late raise ExpansionOverrun', 'on late raise ExpansionDelay'));
        const { text } = await fix(broken, { code: 'COIL-D001', title: 'Declare deviation ExpansionDelay in process AutologousFresh', preferred: true });
        expect(text).toContain(crlf('  }\n\n  deviation ExpansionDelay "Expansion delay" severity major {\n    disposition by QAReviewer options continue, reject\n  }\n'));
        expect(text.replace(/\r\n/g, ''), 'no bare line feed').not.toContain('\n');
    });

    it('COIL-R001: changes a misspelt role to the one Coil suggests', async () => {
        const broken = breaking('by Operator verified by Supervisor', 'by Operater verified by Supervisor');
        const { actions } = await offered(broken, 'COIL-R001');
        expect(actions.map(a => [a.title, a.isPreferred])).toEqual([
            ["Change 'Operater' to 'Operator'", true],
            ['Declare role Operater in the shared library', false],
        ]);
        const { text } = await fix(broken, { code: 'COIL-R001', title: "Change 'Operater' to 'Operator'", preferred: true });
        expect(text).toBe(fresh);
    });

    it('COIL-D001: changes a misspelt deviation to the one Coil suggests', async () => {
        const broken = breaking('raise LowPurity\n', 'raise LowPurityy\n');
        const { text } = await fix(broken, { code: 'COIL-D001', title: "Change 'LowPurityy' to 'LowPurity'", preferred: true });
        expect(text).toBe(fresh);
    });

    it('COIL-R001: declares an unknown role in the shared library, another file', async () => {
        const roles = path.join(lsp.workspace, 'library/roles.coil');
        const before = fs.readFileSync(roles, 'utf8');
        const broken = breaking('receiver Pharmacist\n', 'receiver HospitalPharmacist\n');
        const { text, resolved } = await fix(broken, { code: 'COIL-R001', title: 'Declare role HospitalPharmacist in the shared library', preferred: true });
        expect(text).toBe(broken);
        // The library file is not open in the editor: its edit is for the file on disk (version null).
        const edits = editsByUri(resolved.edit);
        expect([...edits.keys()]).toEqual([lsp.uriOf('library/roles.coil')]);
        expect(edits.get(lsp.uriOf('library/roles.coil'))?.version).toBeNull();
        expect(fs.readFileSync(roles, 'utf8')).toBe(before.replace(
            'requires GMPBasics, DoseAllocation\n',
            'requires GMPBasics, DoseAllocation\nrole HospitalPharmacist "Hospital pharmacist"\n',
        ));
    });

    it('COIL-R001: declares an unknown qualification in the library, open in the editor, after the other qualifications', async () => {
        const roles = lsp.uriOf('library/roles.coil');
        if (!opened.has(roles)) opened.set(roles, (await lsp.open('library/roles.coil')).text);
        const before = opened.get(roles)!;
        const broken = breaking('  effective "2026-12-01"\n', '  effective "2026-12-01"\n\n  role InfusionLead "Infusion lead" requires CARTInfusionTraining\n');
        const { resolved } = await fix(broken, { code: 'COIL-R001', title: 'Declare qualification CARTInfusionTraining in the shared library', preferred: true });
        // The library is open in the editor: the edit is for the version there.
        expect(editsByUri(resolved.edit).get(roles)?.version).toEqual(expect.any(Number));
        expect(opened.get(roles)).toBe(before.replace(
            'qualification DoseAllocation "Allogeneic dose ordering and allocation"\n',
            'qualification DoseAllocation "Allogeneic dose ordering and allocation"\nqualification CARTInfusionTraining "CART infusion training"\n',
        ));
    });

    it('COIL-U003: swaps the ends of an inverted range', async () => {
        const broken = breaking('duration 3 h .. 6 h', 'duration 6 h .. 3 h');
        const { text } = await fix(broken, { code: 'COIL-U003', title: 'Swap the ends: 3 h .. 6 h', preferred: true });
        expect(text).toBe(fresh);
    });

    it('COIL-T002: swaps a hold\'s minimum and maximum, as one possible fix', async () => {
        const broken = breaking('to Select.start max 48 h', 'to Select.start min 48 h max 12 h');
        const { text } = await fix(broken, { code: 'COIL-T002', title: 'Swap the hold\'s limits: min 12 h max 48 h', preferred: false });
        expect(text).toContain('to Select.start min 12 h max 48 h at 2 °C .. 8 °C');
    });

    it.each([
        ['keep 2 °C .. 8 °C on excursion', 'keep 2 C .. 8 °C on excursion', 'C', '°C'],
        ['duration 30 min .. 3 h', 'duration 30 MIN .. 3 h', 'MIN', 'min'],
        ['    record moi', '    record il2 "IL-2 concentration" in 100 IU/mL .. 300 [IU]/mL\n    record moi', 'IU/mL', '[IU]/mL'],
    ])('COIL-U001: writes the unit in "%s" as UCUM spells it', async (from, to, wrong, right) => {
        const broken = breaking(from, to);
        const { text } = await fix(broken, { code: 'COIL-U001', title: `Write the unit as ${right}`, preferred: true });
        expect(text).toBe(broken.replace(to, to.replace(wrong, right)));
    });

    it('COIL-U004: gives both ends of a range the unit of either end', async () => {
        const broken = breaking('0.2e6 cells/kg .. 2e6 cells/kg', '0.2e6 cells/kg .. 2e6 cells');
        const { actions } = await offered(broken, 'COIL-U004');
        expect(actions.map(a => [a.title, a.isPreferred])).toEqual([['Write both ends in cells/kg', false], ['Write both ends in cells', false]]);
        const { text } = await fix(broken, { code: 'COIL-U004', title: 'Write both ends in cells/kg', preferred: false });
        expect(text).toBe(fresh);
    });

    it('COIL-Q005: signs an unsigned release after its conditions', async () => {
        const broken = breaking('    sign "Released for infusion"\n', '');
        const { text } = await fix(broken, { code: 'COIL-Q005', title: 'Sign the release of DrugProduct: sign "Released for infusion"', preferred: true });
        expect(text).toBe(fresh);
    });

    it('COIL-Q005: signs an unsigned exceptional release', async () => {
        const broken = breaking('      sign "Released out of specification under expanded access"\n', '');
        const { text } = await fix(broken, { code: 'COIL-Q005', title: 'Sign the exceptional release: sign "Released out of specification"', preferred: true });
        expect(text).toContain('notify authority within 48 h\n      sign "Released out of specification"\n    }');
    });

    it('COIL-V003: adds the signature of a verifier who never signs', async () => {
        const broken = breaking('    sign verifier "Verified"\n', '');
        const { text } = await fix(broken, { code: 'COIL-V003', title: 'Add the verifier\'s signature to Select: sign verifier "Verified"', preferred: true });
        expect(text).toBe(fresh);
    });

    it('COIL-V002: makes a same-role verification a second person\'s', async () => {
        const broken = breaking('verified by another Operator {\n    duration 1 d', 'verified by Operator {\n    duration 1 d');
        const { text } = await fix(broken, { code: 'COIL-V002', title: 'Require a second Operator to verify: verified by another Operator', preferred: true });
        expect(text).toBe(fresh);
    });

    it('COIL-D002: gives a deviation without a disposition one', async () => {
        const broken = breaking('    notify QAReviewer\n    disposition by QAReviewer options continue, reject\n', '    notify QAReviewer\n');
        const { text } = await fix(broken, { code: 'COIL-D002', title: 'Say who decides on HoldExceeded: add a disposition (continue or reject)', preferred: true });
        expect(text).toBe(fresh);
    });

    it('COIL-D003: lets a critical deviation block release', async () => {
        const broken = breaking('disposition by QAReviewer options continue, terminate\n', 'disposition by QAReviewer options continue, terminate\n    does not block release\n');
        const { text } = await fix(broken, { code: 'COIL-D003', title: 'Let critical deviation IdentityMismatch block release: remove \'does not block release\'', preferred: true });
        expect(text).toBe(fresh);
    });

    it('COIL-H001: adds a first version at the top of the header', async () => {
        const broken = breaking('  version 3.1.0\n', '');
        const { text } = await fix(broken, { code: 'COIL-H001', title: 'Add \'version 1.0.0\' to the header of AutologousFresh', preferred: true });
        expect(text).toBe(fresh.replace('version 3.1.0', 'version 1.0.0'));
    });

    it('COIL-H002 and COIL-I005: offer each product type and identifier format, preferring none', async () => {
        const noProduct = breaking('  product autologous\n', '');
        const { actions } = await offered(noProduct, 'COIL-H002');
        expect(actions.map(a => [a.title, a.isPreferred])).toEqual([
            ['Add \'product autologous\' to the header of AutologousFresh', false],
            ['Add \'product allogeneic\' to the header of AutologousFresh', false],
        ]);
        const { text } = await fix(noProduct, { code: 'COIL-H002', title: 'Add \'product autologous\' to the header of AutologousFresh', preferred: false });
        expect(text).toContain('  effective "2026-12-01"\n  product autologous\n');
        const noIdentity = breaking('  identity isbt128\n', '');
        const fixed = await fix(noIdentity, { code: 'COIL-I005', title: 'Add \'identity isbt128\' to the header of AutologousFresh', preferred: false });
        expect(fixed.text).toContain('  effective "2026-12-01"\n  identity isbt128\n');
    });
});

describe('quick fixes where there is nothing to fix', () => {
    it('offers nothing without a diagnostic, for a diagnostic with no mechanical fix, or for other kinds of action', async () => {
        await lsp.change(uri, fresh);
        await lsp.diagnosticsFor(uri, d => d.length === 0);
        const clean: Diagnostic = { range: { start: { line: 10, character: 2 }, end: { line: 10, character: 6 } }, message: '' };
        expect(await lsp.client.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: clean.range, context: { diagnostics: [] } })).toEqual([]);
        // A diagnostic the server never reported (the client's is out of date) has no fix.
        expect(await codeActions(lsp, uri, { ...clean, code: 'COIL-I002', message: 'stale' })).toEqual([]);
        // Over budget: a real diagnostic, but no mechanical fix.
        const squeezed = breaking('vein_to_vein within 35 d', 'vein_to_vein within 10 d');
        await lsp.change(uri, squeezed);
        const budget = (await lsp.diagnosticsFor(uri, d => d.some(x => x.code === 'COIL-T006'))).find(d => d.code === 'COIL-T006')!;
        expect(await codeActions(lsp, uri, budget)).toEqual([]);
        // Only refactorings asked for: no quick fix.
        const { diagnostic } = await offered(breaking('duration 3 h .. 6 h', 'duration 6 h .. 3 h'), 'COIL-U003');
        expect(await codeActions(lsp, uri, diagnostic, ['refactor'])).toEqual([]);
        expect(await codeActions(lsp, uri, diagnostic, ['quickfix'])).toHaveLength(1);
    });

    it('refuses to resolve an out-of-date or unknown action, and goes on serving', async () => {
        const broken = breaking('duration 3 h .. 6 h', 'duration 6 h .. 3 h');
        const { diagnostic, actions } = await offered(broken, 'COIL-U003');
        expect(actions).toHaveLength(1);
        await lsp.change(uri, `// edited since\n${broken}`);
        const stale = lsp.client.sendRequest(CodeActionResolveRequest.type, actions[0]);
        await expect(stale).rejects.toMatchObject({ code: -32801 });
        await expect(lsp.client.sendRequest(CodeActionResolveRequest.type, { title: 'Made up', data: { fix: 'no-such-fix' } }))
            .rejects.toMatchObject({ code: -32602 });
        await expect(lsp.client.sendRequest(CodeActionResolveRequest.type, { title: 'No data' })).rejects.toMatchObject({ code: -32602 });
        // Still serving: the fix is offered again for the edited text (one line further down), and resolves.
        const moved = (await lsp.diagnosticsFor(uri, d => d.some(x => x.code === 'COIL-U003' && x.range.start.line === diagnostic.range.start.line + 1)))
            .find(d => d.code === 'COIL-U003')!;
        const [again] = await codeActions(lsp, uri, moved);
        const resolved = await lsp.client.sendRequest(CodeActionResolveRequest.type, again);
        expect(applyEdits(`// edited since\n${broken}`, editsByUri(resolved.edit).get(uri)!.edits)).toBe(`// edited since\n${fresh}`);
    });
});

describe('quick fixes for a client that cannot resolve actions', () => {
    let plain: LspSession;

    afterAll(async () => {
        if (plain && plain.server.exitCode === null) await plain.stop();
    });

    it('sends the edit with the action, as plain changes', async () => {
        const codeAction = { ...CAPABILITIES.textDocument!.codeAction, resolveSupport: undefined };
        plain = await startLsp({
            capabilities: { ...CAPABILITIES, workspace: { applyEdit: true }, textDocument: { ...CAPABILITIES.textDocument, codeAction } },
        });
        const broken = fresh.replace('duration 3 h .. 6 h', 'duration 6 h .. 3 h');
        const { uri: plainUri } = await plain.open(PROCESS, broken);
        const diagnostic = (await plain.diagnosticsFor(plainUri, d => d.some(x => x.code === 'COIL-U003'))).find(d => d.code === 'COIL-U003')!;
        const [action] = await codeActions(plain, plainUri, diagnostic);
        expect(action.title).toBe('Swap the ends: 3 h .. 6 h');
        expect(action.edit?.documentChanges).toBeUndefined();
        expect(applyEdits(broken, action.edit!.changes![plainUri])).toBe(fresh);
    });
});
