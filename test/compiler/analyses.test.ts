/**
 * The whole-process analyses, each shown failing and passing by small .coil files in analyses/
 * (the corpus format of test/language/corpus/README.md), checked with the language's checks and
 * the analyses together, as `coil check` and the editor run them.
 */
import * as path from 'node:path';
import { ANALYSIS_CODES, analysisModule } from '@coil/compiler';
import { describeCorpus } from '../corpus-runner.js';

describeCorpus('the analyses corpus', path.resolve(__dirname, 'analyses'), { modules: [analysisModule()], covers: code => ANALYSIS_CODES.has(code) });
