import './subprocess-methods.js';

export { PIPE, STDOUT, DEVNULL, type StdioOption } from './constants.js';
export type { SubprocessOptions } from './subprocess-methods.js';
export { BaseSubprocessTransport } from './subprocess-transport.js';
export { Process, SubprocessStreamProtocol, createSubprocessExec, createSubprocessShell, type ProcessOptions } from './process.js';
