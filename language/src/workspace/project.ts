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

/**
 * The codes of input errors: problems with what the user gave the command, not diagnostics of a
 * .coil file (those are in diagnostics/codes.ts). Each ends the command with exit status 2.
 */
export const INPUT_ERRORS = {
    'COIL-E001': 'no such file or folder',
    'COIL-E002': 'not a .coil file',
    'COIL-E003': 'invalid coil.json',
    'COIL-E004': 'no .coil files below a folder',
    'COIL-E005': 'cannot read or write a file',
    'COIL-E006': 'several processes for one output file',
    'COIL-E007': 'no process to compile',
    'COIL-E008': 'no single process or scenario to run',
    'COIL-E009': 'the database cannot be opened',
    'COIL-E010': 'an account cannot be added or changed as asked',
    'COIL-E011': 'the server cannot start as asked',
} as const;

export type InputErrorCode = keyof typeof INPUT_ERRORS;

export function isInputErrorCode(code: unknown): code is InputErrorCode {
    return typeof code === 'string' && Object.prototype.hasOwnProperty.call(INPUT_ERRORS, code);
}

/** A problem with the user's input that is not a diagnostic of a .coil file: exit status 2. */
export class CoilInputError extends Error {
    override readonly name = 'CoilInputError';
    constructor(readonly code: InputErrorCode, message: string) {
        super(message);
    }
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
        throw new CoilInputError('COIL-E003', `${file}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        throw new CoilInputError('COIL-E003', `${file}: expected an object such as { "name": "plant", "sources": ["."] }`);
    }
    const { name, sources } = json as { name?: unknown; sources?: unknown };
    if (name !== undefined && typeof name !== 'string') {
        throw new CoilInputError('COIL-E003', `${file}: "name" must be a string`);
    }
    if (sources !== undefined && !(Array.isArray(sources) && sources.every(s => typeof s === 'string'))) {
        throw new CoilInputError('COIL-E003', `${file}: "sources" must be a list of folders, e.g. ["processes", "library"]`);
    }
    const folders = (sources as string[] | undefined ?? ['.']).map(s => path.resolve(root, s));
    for (const folder of folders) {
        if (!isDirectory(folder)) throw new CoilInputError('COIL-E003', `${file}: source folder ${path.relative(process.cwd(), folder) || '.'} does not exist`);
    }
    return { root, name: name ?? path.basename(root), sources: folders, projectFile: file };
}

export interface ListOptions {
    /**
     * Whether to descend into subfolders holding their own coil.json (another workspace). False
     * (the default) lists one workspace's files; true lists every file below, e.g. for a folder argument.
     */
    readonly crossProjects?: boolean;
}

/**
 * Every .coil file below the given folders, sorted; dot-folders and node_modules are skipped.
 * Symbolic links to files and folders are followed; each real folder is walked once (no loops).
 */
export function listCoilFiles(folders: readonly string[], options: ListOptions = {}): string[] {
    const files = new Set<string>();
    const seen = new Set<string>();
    const realFiles = new Set<string>();
    const addFile = (file: string): void => {
        let real = file;
        try { real = fs.realpathSync(file); } catch { /* keep the path */ }
        if (realFiles.has(real)) return;
        realFiles.add(real);
        files.add(file);
    };
    const walk = (dir: string, top: boolean): void => {
        let real: string;
        try {
            real = fs.realpathSync(dir);
        } catch {
            return;
        }
        if (seen.has(real)) return;
        seen.add(real);
        if (!top && !options.crossProjects && fs.existsSync(path.join(dir, PROJECT_FILE))) return;
        let entries: fs.Dirent[];
        try {
            entries = fs.readdirSync(dir, { withFileTypes: true });
        } catch (e) {
            throw new CoilInputError('COIL-E005', `${dir}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        for (const entry of entries) {
            if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
            const full = path.join(dir, entry.name);
            let directory = entry.isDirectory();
            let file = entry.isFile();
            if (entry.isSymbolicLink()) {
                try {
                    const target = fs.statSync(full);
                    directory = target.isDirectory();
                    file = target.isFile();
                } catch {
                    continue; // a dangling link
                }
            }
            if (directory) walk(full, false);
            else if (file && entry.name.endsWith('.coil')) addFile(full);
        }
    };
    folders.forEach(folder => walk(folder, true));
    return [...files].sort();
}

function isDirectory(p: string): boolean {
    try {
        return fs.statSync(p).isDirectory();
    } catch {
        return false;
    }
}
