/**
 * A throw-away workspace for the CLI tests: the broken and the clean fixture, the clean one under a
 * file name full of characters that every report format must escape.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const fixtures = path.join(__dirname, 'fixtures');

export const BROKEN = 'broken.coil';
/** `&`, `"`, `<`, `>` and a space: XML, URIs and workflow commands each escape some of them. */
export const CLEAN = path.join('lab', 'R&D "clean" <v2>.coil');

export interface Workspace {
    readonly root: string;
    readonly brokenText: string;
    remove(): void;
}

export function makeWorkspace(): Workspace {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-cli-'));
    fs.mkdirSync(path.join(root, 'lab'));
    fs.copyFileSync(path.join(fixtures, 'broken.coil'), path.join(root, BROKEN));
    fs.copyFileSync(path.join(fixtures, 'clean.coil'), path.join(root, CLEAN));
    return {
        root,
        brokenText: fs.readFileSync(path.join(root, BROKEN), 'utf8'),
        remove: () => fs.rmSync(root, { recursive: true, force: true }),
    };
}

/** The 1-based line and column where `needle` first occurs in `text`. */
export function positionOf(text: string, needle: string): { line: number; column: number } {
    const lines = text.split('\n');
    const line = lines.findIndex(l => l.includes(needle));
    if (line < 0) throw new Error(`${needle} is not in the fixture`);
    return { line: line + 1, column: lines[line].indexOf(needle) + 1 };
}
