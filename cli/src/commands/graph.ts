/** `coil graph`: placeholder until the graph emitters land (owned by the graph-emitter work). */
import type { Command } from 'commander';
import type { Io } from '../index.js';

export function registerGraph(_program: Command, _io: Io, _setStatus: (code: number) => void): void {}
