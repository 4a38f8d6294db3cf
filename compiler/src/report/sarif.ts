/**
 * SARIF 2.1.0, the format code-scanning UIs read (GitHub code scanning, Azure DevOps, SARIF
 * viewers): one run of `coil`, one rule per code reported, one result per diagnostic.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Artifact, ArtifactLocation, Log, Region, ReportingDescriptor, Result } from 'sarif';
import { CODES, docsPath, type Code, type Diagnostic, type Severity } from '@coil/language';
import { portablePath } from './portable-path.js';
import type { Reporter } from './reporter.js';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** Paths in a report are relative to the folder `coil check` ran in: for CI, the checkout. */
const SOURCE_ROOT = '%SRCROOT%';

const LEVEL: Record<Severity, Result.level> = { error: 'error', warning: 'warning', info: 'note' };

export const sarifReporter: Reporter = (result, { toolVersion }) => {
    const codes = [...new Set(result.diagnostics.map(d => d.code))].sort();
    const ruleIndex = new Map(codes.map((code, i) => [code, i]));
    const files = [...new Set([...result.files.map(f => f.file), ...result.diagnostics.map(d => d.file)])];
    const artifactIndex = new Map(files.map((file, i) => [file, i]));
    const log: Log = {
        $schema: SCHEMA,
        version: '2.1.0',
        runs: [{
            tool: { driver: { name: 'coil', version: toolVersion, semanticVersion: toolVersion, rules: codes.map(rule) } },
            originalUriBaseIds: {
                [SOURCE_ROOT]: { description: { text: 'The folder coil check ran in; every path is relative to it.' } },
            },
            columnKind: 'utf16CodeUnits',
            artifacts: files.map((file): Artifact => ({
                location: artifactLocation(file),
                roles: ['analysisTarget'],
                sourceLanguage: 'coil',
            })),
            results: result.diagnostics.map((d): Result => ({
                ruleId: d.code,
                ruleIndex: ruleIndex.get(d.code)!,
                level: LEVEL[d.severity],
                message: { text: d.message },
                locations: [{
                    physicalLocation: {
                        artifactLocation: { ...artifactLocation(d.file), index: artifactIndex.get(d.file)! },
                        region: region(d),
                    },
                }],
            })),
        }],
    };
    return JSON.stringify(log, null, 2) + '\n';
};

/**
 * No `helpUri`: the schema requires an absolute URI there and the documentation has no public
 * address yet, so the rule's help names the page in the repository instead.
 */
function rule(code: Code): ReportingDescriptor {
    const { title, severity } = CODES[code];
    return {
        id: code,
        name: pascalCase(title),
        shortDescription: { text: title },
        help: {
            text: `${code}: ${title}. See ${docsPath(code)} in the Coil repository.`,
            markdown: `**${code}**: ${title}. See [${docsPath(code)}](${docsPath(code)}).`,
        },
        defaultConfiguration: { level: LEVEL[severity] },
    };
}

/** SARIF's rule names are identifiers: 'Step without a duration' is StepWithoutADuration. */
function pascalCase(title: string): string {
    return title.replace(/'/g, '').split(/[^A-Za-z0-9]+/).map(w => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

/** Relative paths become URI references under %SRCROOT%; absolute ones become file: URIs. */
function artifactLocation(file: string): ArtifactLocation {
    if (path.isAbsolute(file)) return { uri: pathToFileURL(file).href };
    return { uri: portablePath(file).split('/').map(encodeURIComponent).join('/'), uriBaseId: SOURCE_ROOT };
}

/** Coil's ends are exclusive, as SARIF's endColumn is ("one greater than the last character"). */
function region(d: Diagnostic): Region {
    return { startLine: d.start.line, startColumn: d.start.column, endLine: d.end.line, endColumn: d.end.column };
}
