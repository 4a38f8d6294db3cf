/**
 * The workspace rule shared by the CLI and the language server: a file's workspace is the nearest
 * folder upward holding a `coil.json` project file, else the file's own folder and everything below.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const PROJECT_FILE = 'coil.json';

export interface Project {
    /** Absolute path of the workspace folder. */
    readonly root: string;
    readonly name: string;
    /** Absolute folders holding the workspace's .coil files. */
    readonly sources: readonly string[];
    /** The project file, when there is one. */
    readonly projectFile?: string;
}

/** A problem with the user's input that is not a diagnostic of a .coil file: exit status 2. */
export class CoilInputError extends Error {
    override readonly name = 'CoilInputError';
}

export function findProject(target: string): Project {
    const start = isDirectory(target) ? target : path.dirname(target);
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
        const file = path.join(dir, PROJECT_FILE);
        if (fs.existsSync(file)) return readProject(file);
        if (path.dirname(dir) === dir) break;
    }
    const root = path.resolve(start);
    return { root, name: path.basename(root), sources: [root] };
}

export function readProject(file: string): Project {
    const root = path.dirname(file);
    let json: unknown;
    try {
        json = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
        throw new CoilInputError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        throw new CoilInputError(`${file}: expected an object such as { "name": "plant", "sources": ["."] }`);
    }
    const { name, sources } = json as { name?: unknown; sources?: unknown };
    if (name !== undefined && typeof name !== 'string') {
        throw new CoilInputError(`${file}: "name" must be a string`);
    }
    if (sources !== undefined && !(Array.isArray(sources) && sources.every(s => typeof s === 'string'))) {
        throw new CoilInputError(`${file}: "sources" must be a list of folders, e.g. ["processes", "library"]`);
    }
    const folders = (sources as string[] | undefined ?? ['.']).map(s => path.resolve(root, s));
    for (const folder of folders) {
        if (!isDirectory(folder)) throw new CoilInputError(`${file}: source folder ${path.relative(process.cwd(), folder) || '.'} does not exist`);
    }
    return { root, name: name ?? path.basename(root), sources: folders, projectFile: file };
}

/** Every .coil file below the given folders, sorted; dot-folders and node_modules are skipped. */
export function listCoilFiles(folders: readonly string[]): string[] {
    const files = new Set<string>();
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.isFile() && entry.name.endsWith('.coil')) files.add(full);
        }
    };
    folders.forEach(walk);
    return [...files].sort();
}

function isDirectory(p: string): boolean {
    try {
        return fs.statSync(p).isDirectory();
    } catch {
        return false;
    }
}
