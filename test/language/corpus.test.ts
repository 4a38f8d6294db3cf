/** The language's error corpus (format in corpus/README.md): one small file per rule. */
import * as path from 'node:path';
import { ANALYSIS_CODES } from '@coil/compiler';
import { describeCorpus } from '../corpus-runner.js';

describeCorpus('the error corpus', path.resolve(__dirname, 'corpus'), { covers: code => !ANALYSIS_CODES.has(code) });
