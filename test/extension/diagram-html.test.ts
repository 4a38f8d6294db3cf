/**
 * The process diagram's webview page (vscode-extension/src/diagram-html.ts) in real headless
 * Chromium, with the compiler's SVG of an example: its Content-Security-Policy lets the page's own
 * script and styles run and nothing else, the diagram is drawn with its styles, a click on a step
 * asks VS Code (through `acquireVsCodeApi`, defined here as VS Code defines it) to reveal the step,
 * and nothing a source could smuggle into the SVG runs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePaths, renderSvg } from '@coil/compiler';
import { diagramHtml, diagramUpdate, newNonce, type DiagramView } from '../../vscode-extension/src/diagram-html.js';
import { launchChromium, problems, type ConsoleEntry } from '../browser/chromium.js';
import { repository } from '../lsp/harness.js';

let browser: Browser;
let fresh: DiagramView;
let cryo: DiagramView;
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-diagram-page-'));

beforeAll(async () => {
    const examples = ['autologous-fresh.coil', 'autologous-cryo.coil'].map(f => path.join(repository, 'examples', f));
    const [compiled, launched] = await Promise.all([compilePaths(examples), launchChromium()]);
    browser = launched;
    const view = async (name: string) => {
        const p = compiled.processes.find(x => x.name === name)!;
        return { process: p.name, svg: await renderSvg(p.workflow), complete: true };
    };
    [fresh, cryo] = await Promise.all([view('AutologousFresh'), view('AutologousCryo')]);
}, 120_000);

afterAll(async () => {
    await browser?.close();
    fs.rmSync(folder, { recursive: true, force: true });
});

interface Opened {
    page: Page;
    console: ConsoleEntry[];
    pageErrors: string[];
    /** What the page posted to VS Code. */
    posted(): Promise<unknown[]>;
    /** Content-Security-Policy violations the page reported. */
    violations(): Promise<string[]>;
    close(): Promise<void>;
}

/** Runs `body` on the page opened as a webview would open it, and closes the page whatever `body` does. */
async function withPage(diagrams: readonly DiagramView[], name: string, body: (opened: Opened) => Promise<void>): Promise<void> {
    const opened = await open(diagrams, name);
    try {
        await body(opened);
    } finally {
        await opened.close();
    }
}

/** Opens the page as a webview would: offline, with VS Code's `acquireVsCodeApi` in place before any script runs. */
async function open(diagrams: readonly DiagramView[], name: string): Promise<Opened> {
    const file = path.join(folder, `${name}.html`);
    fs.writeFileSync(file, diagramHtml({ title: 'Diagram: autologous-fresh.coil', diagrams, nonce: newNonce() }));
    const context = await browser.newContext({ offline: true, viewport: { width: 1400, height: 1000 } });
    await context.addInitScript(() => {
        const w = window as unknown as { posted: unknown[]; violations: string[]; acquireVsCodeApi: () => unknown };
        w.posted = [];
        w.violations = [];
        let acquired = false;
        w.acquireVsCodeApi = () => {
            if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
            acquired = true;
            // As in VS Code, the state outlives a reload of the page (VS Code reloads a webview shown again).
            return {
                postMessage: (m: unknown) => w.posted.push(m),
                getState: () => JSON.parse(sessionStorage.getItem('vscode-state') ?? 'null') as unknown,
                setState: (state: unknown) => sessionStorage.setItem('vscode-state', JSON.stringify(state)),
            };
        };
        document.addEventListener('securitypolicyviolation', e => w.violations.push(`${e.violatedDirective}: ${e.blockedURI || e.sample} (line ${e.lineNumber})`));
    });
    const page = await context.newPage();
    const consoleEntries: ConsoleEntry[] = [];
    const pageErrors: string[] = [];
    page.on('console', m => consoleEntries.push({ type: m.type(), text: m.text() }));
    page.on('pageerror', e => pageErrors.push(e.message));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return {
        page, console: consoleEntries, pageErrors,
        posted: () => page.evaluate(() => (window as unknown as { posted: unknown[] }).posted),
        violations: () => page.evaluate(() => (window as unknown as { violations: string[] }).violations),
        close: () => context.close(),
    };
}

describe('the process diagram page', () => {
    it('declares a strict Content-Security-Policy with a fresh nonce', () => {
        const nonce = newNonce();
        expect(nonce).not.toBe(newNonce());
        expect(nonce).toMatch(/^[A-Za-z0-9+/]{24}$/);
        const html = diagramHtml({ title: 'x', diagrams: [fresh], nonce });
        const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1];
        expect(csp).toBe(`default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'`);
        expect(html).not.toContain('unsafe-');
        // The SVG travels as data: no markup of it is in the HTML itself.
        expect(html).not.toContain('<svg');
    });

    it('draws the diagram with its styles, without a single CSP violation or console error', async () => {
        await withPage([fresh], 'drawn', async opened => {
            const { page } = opened;
            expect(await page.locator('main svg.coil-graph').count()).toBe(1);
            expect(await page.locator('main h2').textContent()).toBe('AutologousFresh');
            const step = page.locator('g[data-id="step:Collect"]');
            const box = await step.boundingBox();
            expect(box!.width).toBeGreaterThan(20);
            expect(box!.height).toBeGreaterThan(10);
            // The SVG's own stylesheet applies (it needs the nonce): steps are filled in their blue.
            expect(await page.locator('g[data-id="step:Collect"] > rect').evaluate(r => getComputedStyle(r).fill)).toBe('rgb(238, 244, 251)');
            expect(await page.locator('main .incomplete').count()).toBe(0);
            expect(await opened.violations()).toEqual([]);
            expect(problems(opened.console)).toEqual([]);
            expect(opened.pageErrors).toEqual([]);
        });
    });

    it('asks VS Code to reveal the step clicked, or chosen with Enter', async () => {
        await withPage([fresh], 'click', async opened => {
            const { page } = opened;
            // Its box, beside the label.
            await page.locator('g[data-id="step:Expand"] > rect').click({ position: { x: 4, y: 4 } });
            // A click on a step's label is a click on the step.
            await page.locator('g[data-id="step:Collect"] text').first().click();
            await page.locator('g[data-id="step:Select"]').focus();
            await page.keyboard.press('Enter');
            expect(await opened.posted()).toEqual([
                { command: 'reveal', process: 'AutologousFresh', id: 'step:Expand' },
                { command: 'reveal', process: 'AutologousFresh', id: 'step:Collect' },
                { command: 'reveal', process: 'AutologousFresh', id: 'step:Select' },
            ]);
            // A click beside every drawn node asks for nothing.
            await page.locator('main h2').click();
            expect(await opened.posted()).toHaveLength(3);
            expect(await opened.violations()).toEqual([]);
        });
    });

    it('redraws in place when the extension sends new diagrams, and says when a process is incomplete', async () => {
        await withPage([fresh], 'update', async opened => {
            const { page } = opened;
            await page.evaluate(update => window.postMessage(update, '*'), diagramUpdate([fresh, { ...cryo, complete: false }]));
            await page.locator('main section').nth(1).waitFor();
            expect(await page.locator('main h2').allTextContents()).toEqual(['AutologousFresh', 'AutologousCryo']);
            expect(await page.locator('main section').nth(1).locator('.incomplete').textContent()).toContain('do not resolve yet');
            // Hidden and shown again, the page draws what it was last sent, not what it was created with.
            await page.reload({ waitUntil: 'load' });
            expect(await page.locator('main h2').allTextContents()).toEqual(['AutologousFresh', 'AutologousCryo']);
            await page.evaluate(update => window.postMessage(update, '*'), diagramUpdate([]));
            await page.locator('main .empty').waitFor();
            expect(await page.locator('main svg').count()).toBe(0);
            expect(await opened.violations()).toEqual([]);
            expect(opened.pageErrors).toEqual([]);
        });
    });

    it('runs nothing that a source could smuggle into the SVG', async () => {
        const hostile: DiagramView = {
            process: '</script><script>window.pwned = "name"</script>',
            complete: true,
            svg: fresh.svg.replace('</svg>', [
                '<script>window.pwned = "script"</script>',
                '<rect data-id="step:Trap" width="50" height="50" onclick="window.pwned = \'handler\'" style="fill: red"/>',
                '<foreignObject width="10" height="10"><iframe xmlns="http://www.w3.org/1999/xhtml" src="https://example.com/"></iframe></foreignObject>',
                '<a href="javascript:window.pwned=\'link\'"><text>link</text></a>',
                '</svg>',
            ].join('')),
        };
        await withPage([hostile], 'hostile', async opened => {
            const { page } = opened;
            await page.locator('rect[data-id="step:Trap"]').click({ force: true });
            expect(await page.evaluate(() => (window as unknown as { pwned?: string }).pwned)).toBeUndefined();
            expect(await page.locator('main h2').textContent()).toBe(hostile.process);
            expect(await page.locator('main script, main foreignObject, main a, main iframe').count()).toBe(0);
            expect(await page.locator('rect[data-id="step:Trap"]').evaluate(r => [r.getAttribute('onclick'), r.getAttribute('style')])).toEqual([null, null]);
            expect(await opened.posted()).toEqual([{ command: 'reveal', process: hostile.process, id: 'step:Trap' }]);
            expect(opened.pageErrors).toEqual([]);
        });
    });
});
