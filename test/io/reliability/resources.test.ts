import { expect, test } from 'vitest';
import {
  createSubprocessExec,
  EventLoop,
  openConnection,
  PIPE,
  ProcessPoolExecutor,
  Protocol,
  startServer,
  ThreadPoolExecutor,
  DatagramProtocolBase,
  type DatagramTransport,
  type SocketAddress,
} from '../../../src/index.js';
import { startEchoServer } from '../../../examples/echo-server.js';
import { clientTls, serverTls, within } from '../net/support.js';
import { leftSince, resourceCounts } from './support.js';

const JOB_MODULE = new URL('../executors/fixtures/job.mjs', import.meta.url);

/** A UDP endpoint that echoes each datagram back to its sender. */
class UdpEcho extends DatagramProtocolBase {
  transport: DatagramTransport | null = null;
  override connectionMade(t: DatagramTransport): void {
    this.transport = t;
  }
  override datagramReceived(data: Uint8Array, addr: SocketAddress): void {
    this.transport!.sendto(data, addr);
  }
}

test('after TCP, TLS, UDP, a subprocess and both executors were used and the loop disposed, Node holds nothing of ours', async () => {
  const baseline = resourceCounts();
  const loop = new EventLoop();
  const seen: string[] = [];
  let beforeDispose: Record<string, number> = {};
  try {
    await loop.runUntilComplete(async () => {
      // TCP, through the echo example and streams
      const echo = await startEchoServer('127.0.0.1', 0);
      const [r, w] = await within(openConnection('127.0.0.1', (echo.sockets()[0]!.getsockname() as SocketAddress).port));
      w.write('tcp\n');
      seen.push(Buffer.from(await within(r.readline())).toString().trim());
      w.close();
      await within(w.waitClosed());
      await within(echo[Symbol.asyncDispose]());

      // TLS
      const tls = await startServer(async (reader, writer) => {
        writer.write(await reader.readline());
        writer.close();
      }, 'localhost', 0, { ssl: serverTls });
      const [tr, tw] = await within(openConnection('localhost', (tls.sockets()[0]!.getsockname() as SocketAddress).port, { ssl: clientTls }));
      tw.write('tls\n');
      seen.push(Buffer.from(await within(tr.readline())).toString().trim());
      tw.close();
      await within(tw.waitClosed());
      await within(tls[Symbol.asyncDispose]());

      // UDP
      const [udpServer] = await loop.createDatagramEndpoint(() => new UdpEcho(), { localAddr: ['127.0.0.1', 0] });
      const got = loop.createFuture<string>();
      class UdpClient extends DatagramProtocolBase {
        override datagramReceived(data: Uint8Array): void {
          if (!got.done()) got.setResult(Buffer.from(data).toString());
        }
      }
      const [udpClient] = await loop.createDatagramEndpoint(() => new UdpClient(), { remoteAddr: udpServer.getExtraInfo<SocketAddress>('sockname')! });
      udpClient.sendto('udp');
      seen.push(await within(got));
      await udpClient[Symbol.asyncDispose]();
      await udpServer[Symbol.asyncDispose]();

      // a subprocess
      const proc = await createSubprocessExec(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], { stdin: PIPE, stdout: PIPE });
      const [out] = await within(proc.communicate('subprocess'));
      seen.push(Buffer.from(out!).toString());

      // executors: the default one (threads), a thread pool and a process pool of our own
      seen.push(await loop.runInExecutor(null, (s: string) => s.toUpperCase(), 'default'));
      const threads = new ThreadPoolExecutor({ maxWorkers: 1 });
      const processes = new ProcessPoolExecutor({ maxWorkers: 1 });
      seen.push(String(await loop.runInExecutor(threads, { module: JOB_MODULE, export: 'add' }, 1, 2)));
      seen.push(String(await loop.runInExecutor(processes, (a: number, b: number) => a * b, 6, 7)));
      await threads.shutdown();
      await processes.shutdown();

      // and a refused connection
      await loop.createConnection(() => new Protocol(), '127.0.0.1', 1).catch(() => {});
      // while the loop runs it holds resources (so the check below can see ours)
      beforeDispose = leftSince(baseline);
    });
  } finally {
    await loop[Symbol.asyncDispose]();
  }
  expect(seen).toEqual(['tcp', 'tls', 'udp', 'subprocess', 'DEFAULT', '3', '42']);
  expect(Object.keys(beforeDispose).length).toBeGreaterThan(0);
  expect(leftSince(baseline)).toEqual({});
});
