/** `coil doc`: placeholder until the master batch record land (owned by the batch-record work). */
import type { Command } from 'commander';
import type { Io } from '../index.js';

export function registerDoc(_program: Command, _io: Io, _setStatus: (code: number) => void): void {}
