/**
 * JUnit XML, the format test dashboards read (GitLab, Jenkins, Azure Pipelines): each checked file
 * is a suite with one test case that passes when the file has no errors.
 */
import { docsPath, type Diagnostic } from '@coil/language';
import type { Reporter } from './reporter.js';

export const junitReporter: Reporter = result => {
    const files = [...new Set([...result.files.map(f => f.file), ...result.diagnostics.map(d => d.file)])];
    const suites = files.map(file => suite(file, result.diagnostics.filter(d => d.file === file)));
    const failures = suites.filter(s => s.failed).length;
    return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        `<testsuites name="coil check" tests="${files.length}" failures="${failures}" errors="0" skipped="0">`,
        ...suites.map(s => s.xml),
        '</testsuites>',
        '',
    ].join('\n');
};

/**
 * `failures` counts failed test cases, not <failure> elements, so that tests - failures is the
 * number of clean files, as dashboards compute it.
 */
function suite(file: string, diagnostics: readonly Diagnostic[]): { xml: string; failed: boolean } {
    const errors = diagnostics.filter(d => d.severity === 'error');
    const others = diagnostics.filter(d => d.severity !== 'error');
    const failed = errors.length > 0;
    const body = [
        ...errors.map(d =>
            `      <failure message="${attribute(`${d.code}: ${d.message}`)}" type="${d.code}">${text(failureText(d))}</failure>`),
        ...(others.length > 0 ? [`      <system-out>${text(others.map(located).join('\n'))}</system-out>`] : []),
    ];
    const open = `    <testcase name="${attribute(file)}" classname="coil.check"`;
    return {
        failed,
        xml: [
            `  <testsuite name="${attribute(file)}" tests="1" failures="${failed ? 1 : 0}" errors="0" skipped="0">`,
            ...(body.length > 0 ? [`${open}>`, ...body, '    </testcase>'] : [`${open}/>`]),
            '  </testsuite>',
        ].join('\n'),
    };
}

function located(d: Diagnostic): string {
    return `${d.file}:${d.start.line}:${d.start.column}: ${d.severity} ${d.code}: ${d.message}`;
}

function failureText(d: Diagnostic): string {
    return `${located(d)}\nSee ${docsPath(d.code)}`;
}

/** Characters XML 1.0 cannot carry even as references are spelled out, so nothing is lost silently. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function legal(value: string): string {
    return value.replace(NOT_XML_CHAR, c => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

/** A carriage return as a reference: parsers turn a literal one into a line feed. */
function text(value: string): string {
    return legal(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Line breaks and tabs as references: a parser would otherwise turn them into spaces in attributes. */
function attribute(value: string): string {
    return text(value).replace(/"/g, '&quot;').replace(/'/g, '&apos;')
        .replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}
