/**
 * Headless Chromium for tests, through playwright-core and the system's browser (Debian's
 * `chromium`, installed by .ci/run): launch once per test file, open a page with every network
 * request recorded and aborted, and collect what the page reports (console messages, errors).
 * Reusable by any test that must show a generated file renders cleanly and offline.
 */
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PNG } from 'pngjs';

export const CHROMIUM = process.env.COIL_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (see .ci/run) or set COIL_CHROMIUM`);
    return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

export interface ConsoleEntry {
    readonly type: string;
    readonly text: string;
}

/** A page and what it did: every request it tried (all but the opened file are aborted), its console and errors. */
export interface OpenedPage {
    readonly page: Page;
    readonly context: BrowserContext;
    readonly requests: readonly string[];
    readonly console: readonly ConsoleEntry[];
    readonly pageErrors: readonly string[];
    close(): Promise<void>;
}

export interface OpenOptions {
    readonly viewport?: { readonly width: number; readonly height: number };
    /**
     * Below 1 the page is drawn at a lower resolution: a full-page screenshot of a long document
     * then costs a fraction of the time to encode and decode, and still shows whether it is blank.
     */
    readonly deviceScaleFactor?: number;
}

/** Opens a local file from a file:// URL; the network is cut off so that any external resource shows up as a request. */
export async function openFile(browser: Browser, file: string, options: OpenOptions = {}): Promise<OpenedPage> {
    const context = await browser.newContext({
        viewport: options.viewport ?? { width: 1280, height: 900 },
        deviceScaleFactor: options.deviceScaleFactor ?? 1,
        offline: true,
    });
    const page = await context.newPage();
    const url = pathToFileURL(file).href;
    const requests: string[] = [];
    const consoleEntries: ConsoleEntry[] = [];
    const pageErrors: string[] = [];
    await context.route('**/*', route => {
        const request = route.request().url();
        requests.push(request);
        return request === url ? route.continue() : route.abort('blockedbyclient');
    });
    page.on('console', m => consoleEntries.push({ type: m.type(), text: m.text() }));
    page.on('pageerror', e => pageErrors.push(e.message));
    await page.goto(url, { waitUntil: 'load' });
    return { page, context, requests, console: consoleEntries, pageErrors, close: () => context.close() };
}

/** Console messages that count as problems: errors and warnings. */
export function problems(entries: readonly ConsoleEntry[]): ConsoleEntry[] {
    return entries.filter(e => e.type === 'error' || e.type === 'warning');
}

export interface PixelStats {
    readonly width: number;
    readonly height: number;
    /** Share of pixels that are not (near) white, 0..1. */
    readonly nonWhite: number;
    /** Share of dark pixels (text, rules, bars), 0..1: unlike `nonWhite`, a tinted empty background does not count. */
    readonly dark: number;
    readonly distinctColours: number;
}

/** Decodes a PNG screenshot and measures how much is drawn on it: a blank page has no ink and one colour. */
export function pixelStats(png: Buffer): PixelStats {
    const image = PNG.sync.read(png);
    const colours = new Set<number>();
    let ink = 0;
    let dark = 0;
    const { data, width, height } = image;
    for (let i = 0; i < data.length; i += 4) {
        const r = data[i], g = data[i + 1], b = data[i + 2];
        colours.add((r << 16) | (g << 8) | b);
        if (r < 240 || g < 240 || b < 240) ink++;
        if (r < 160 && g < 160 && b < 160) dark++;
    }
    return { width, height, nonWhite: ink / (width * height), dark: dark / (width * height), distinctColours: colours.size };
}

/** The number of pages of a PDF, from its page objects (Chromium writes one `/Type /Page` each). */
export function pdfPageCount(pdf: Buffer): number {
    return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;
}
