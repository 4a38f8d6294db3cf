/**
 * `coil format [paths...]`: lays .coil files out in place the way the editor's Format Document does
 * (the language server's formatter, two-space indentation as in the examples); `--check` writes
 * nothing and lists the files that would change, so that CI can insist on the canonical layout.
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import type { FormattingOptions } from 'vscode-languageserver';
import type { Io } from '../index.js';

/** The examples' indentation. */
const LAYOUT: FormattingOptions = { tabSize: 2, insertSpaces: true };

interface FormatFlags {
    check?: boolean;
}

export function registerFormat(program: Command, io: Io, setStatus: (code: number) => void): void {
    program
        .command('format')
        .description('lay .coil files out in the canonical style, in place; exit 1 if a file has syntax errors (it is left as it is) or, with --check, if one would change')
        .argument('[paths...]', '.coil files or folders (default: the current folder)')
        .option('--check', 'write nothing: list the files that would change, and exit 1 if there are any')
        .action(async (paths: string[], flags: FormatFlags) => {
            const { checkPaths, createCoilServices, CoilInputError, hasSyntaxErrors } = await import('@coil/language');
            const { EmptyFileSystem, TextDocument } = await import('langium');
            const formatter = createCoilServices(EmptyFileSystem).Coil.lsp.Formatter!;
            const { files } = await checkPaths(paths.length > 0 ? paths : ['.']);
            const unformatted: string[] = [];
            let broken = 0;
            for (const { file, model } of files) {
                const document = model.$document!;
                if (hasSyntaxErrors(document.parseResult)) {
                    io.stderr.write(`${file}: not formatted, it has syntax errors: see coil check ${file}\n`);
                    broken++;
                    continue;
                }
                const edits = await formatter.formatDocument(document, { textDocument: { uri: document.uri.toString() }, options: LAYOUT });
                if (edits.length === 0) continue;
                unformatted.push(file);
                if (flags.check) continue;
                try {
                    fs.writeFileSync(document.uri.fsPath, TextDocument.applyEdits(document.textDocument, edits));
                } catch (e) {
                    throw new CoilInputError('COIL-E005', `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
                }
            }
            for (const file of unformatted) io.stdout.write(`${file}\n`);
            if (flags.check && unformatted.length > 0) {
                const [count, them] = unformatted.length === 1 ? ['1 file is', 'it'] : [`${unformatted.length} files are`, 'them'];
                io.stderr.write(`${count} not in the canonical layout: run coil format to rewrite ${them}\n`);
            }
            setStatus(broken > 0 || (flags.check && unformatted.length > 0) ? 1 : 0);
        });
}
