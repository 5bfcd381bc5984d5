import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openConnection, type Server, type SocketAddress, type StreamReader, type StreamWriter } from '../../src/index.js';
import { within } from '../io/net/support.js';

export { withLoop, within } from '../io/net/support.js';

/** The port a server listens on (its first socket). */
export function portOf(server: Server): number {
  return (server.sockets()[0]!.getsockname() as SocketAddress).port;
}

/** A line-oriented test client over openConnection. */
export class LineClient {
  private constructor(readonly reader: StreamReader, readonly writer: StreamWriter) {}

  static async connect(port: number): Promise<LineClient> {
    const [r, w] = await within(openConnection('127.0.0.1', port));
    return new LineClient(r, w);
  }

  send(line: string): void {
    this.writer.write(line + '\n');
  }

  /** The next line, without its newline ('' at EOF). */
  async line(): Promise<string> {
    const raw = await within(this.reader.readline());
    return Buffer.from(raw).toString('utf8').replace(/\n$/, '');
  }

  /** Close and wait until the connection is gone. */
  async close(): Promise<void> {
    this.writer.close();
    await within(this.writer.waitClosed());
  }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Run `examples/<file>` directly (as `tsx examples/<file> 0` would) and resolve with the process and the port it printed. */
export function runExample(file: string): Promise<{ child: ChildProcess; port: number; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${file}`, '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += String(d)));
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d);
      const m = /port: (\d+)/.exec(out);
      if (m !== null) resolve({ child, port: Number(m[1]), exited });
    });
    void exited.then(() => reject(new Error(`example exited before serving: ${out}${err}`)));
  });
}
