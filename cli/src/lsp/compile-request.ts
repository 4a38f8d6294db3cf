/**
 * `coil/compile`: the editor's "Compile process". It writes what `coil compile <file> -o <folder>/`
 * writes (one signed workflow and its source map per process), through the same writer, so a
 * workflow compiled in the editor is byte for byte the one CI builds.
 */
import * as path from 'node:path';
import { URI } from 'langium';
import { ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver';
import { serialise } from '@coil/compiler';
import { sourceMapFile, workflowFile } from '../commands/compile.js';
import { writeOutputs } from '../commands/outputs.js';
import type { CompileParams, CompileResult } from './protocol.js';
import { compileSaved, fileOf, problemsOf, refused } from './saved-compile.js';

export async function compileDocument(params: CompileParams): Promise<CompileResult> {
    const file = fileOf(params.uri);
    const folder = path.resolve(path.dirname(file), params.outputDirectory ?? '.');
    const result = await compileSaved(file);
    const problems = problemsOf(result);
    if (refused(result)) return { compiled: [], problems };
    if (result.processes.length === 0) {
        throw new ResponseError(ErrorCodes.InvalidRequest, `${path.basename(file)} declares only shared things (sites, roles, materials, assays): there is no process to compile.`);
    }
    const outputs = result.processes.map(p => ({
        main: { name: workflowFile(p.name), text: p.text },
        extra: [{ name: sourceMapFile(p.name), text: serialise(p.sourceMap) }],
    }));
    try {
        // Always a folder, so nothing goes to standard output, which is the protocol's channel.
        await writeOutputs(outputs, { output: folder + path.sep }, '.json', process);
    } catch (e) {
        // The folder cannot be written (a file of that name, no permission): the request was sound, the disk refused it.
        throw new ResponseError(LSPErrorCodes.RequestFailed, (e as Error).message);
    }
    const uriIn = (name: string) => URI.file(path.join(folder, name)).toString();
    const compiled = result.processes.map(p => ({
        process: p.name,
        version: p.workflow.process.version,
        digest: p.workflow.digest,
        workflowUri: uriIn(workflowFile(p.name)),
        sourceMapUri: uriIn(sourceMapFile(p.name)),
    }));
    return { compiled, problems };
}
