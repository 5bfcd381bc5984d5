/**
 * simloop: Python's asyncio event loop for TypeScript on Node, with its
 * clock, selector and OS injected. This entry only re-exports, and wires the
 * defaults: the Node backends for `new EventLoop()`.
 */
import { setDefaultBackendFactory } from './loop/defaults.js';
import { nodeBackend } from './backends/node/node-backend.js';

setDefaultBackendFactory(nodeBackend);

export * from './errors.js';
export { EventLoop, type LoopOptions, type LoopLogger, type ExceptionHandler, type TaskFactory } from './loop/event-loop.js';
export { Handle, TimerHandle } from './loop/handle.js';
export type { Clock } from './loop/clock.js';
export type { Selector } from './loop/selector.js';
export type { OS, Executor } from './loop/os.js';
export type { Scheduler } from './loop/scheduler.js';
export { FifoScheduler } from './loop/scheduler.js';
export type { Awaitable, ExceptionContext } from './loop/loop-hooks.js';
export { getRunningLoop, getEventLoop, setEventLoop, newEventLoop } from './loop/running-loop.js';
export { nodeBackend } from './backends/node/node-backend.js';
export * from './tasks/index.js';
export * from './sync/index.js';
export { createSimWorld, simulate, SimWorld, type SimWorldOptions, type TraceEvent, type Strategy } from './backends/sim/sim-world.js';
export { VirtualClock } from './backends/sim/virtual-clock.js';
export { SimProcesses, type ProcessContext, type ProcessHandler } from './backends/sim/sim-processes.js';
export { SimNetwork, type LinkOptions, type PeerListener, type ListenPeer, type StreamHandler, type PeerConnectOptions } from './backends/sim/sim-network.js';
export { SimDns, type DnsFailOptions } from './backends/sim/sim-dns.js';
export { SimSignals } from './backends/sim/sim-signals.js';
export { SimExecutors, SimExecutor, type JobDuration, type SimExecutorOptions } from './backends/sim/sim-executors.js';
export { SimFiles, SimFileHandle } from './backends/sim/sim-files.js';
export type { FileDriver } from './loop/file-driver.js';
export { Script, script, type ScriptStep } from './backends/sim/scripted-peer.js';
export { loadScript, scriptFromTranscript, type LoadScriptOptions } from './backends/sim/script/load-script.js';
export {
  parseTranscript,
  serializeTranscript,
  validateTranscript,
  readTranscript,
  TRANSCRIPT_VERSION,
  type Transcript,
  type TranscriptEvent,
  type TranscriptPeer,
  type TranscriptDirection,
  type TranscriptKind,
} from './io/transcript.js';
export { explore, replay, type ExploreOptions, type ExploreReport, type Scenario, type ExploreWorldOptions } from './explore/explore.js';
export { Schedule } from './schedule/schedule.js';
export type { Decisions } from './schedule/decisions.js';
export { formatTimeline, formatVirtualTime, type TimelineOptions } from './explore/timeline.js';
export { toChromeTrace, writeChromeTrace, type ChromeTrace, type ChromeTraceEvent, type ChromeTraceOptions } from './explore/chrome-trace.js';
export * from './io/streams/index.js';
export { ThreadPoolExecutor } from './backends/node/thread-pool-executor.js';
export { ProcessPoolExecutor } from './backends/node/process-pool-executor.js';
export type { PoolExecutorOptions } from './backends/node/executor-pool.js';
export type { ModuleJob } from './io/executor/executor-protocol.js';
export * from './io/subprocess/index.js';
import './io/signal-methods.js';
export { LoopDatagramTransport } from './io/datagram-transport.js';
export type { DatagramEndpointOptions, AddressInput } from './io/datagram-methods.js';
export { ReadPipeTransport, WritePipeTransport } from './io/pipe-transports.js';
export type { DatagramDriver, DatagramOpenOptions, RawDatagramSocket, RawDatagramEvents } from './loop/datagram-driver.js';
export type { PipeDriver } from './loop/pipe-driver.js';
import './io/datagram-methods.js';
import './io/pipe-methods.js';
export { SubprocessProtocolBase, type SubprocessProtocol } from './io/protocols.js';
export type { SubprocessTransport } from './io/transports.js';
export { Protocol, DatagramProtocolBase, type BaseProtocol, type StreamProtocol, type DatagramProtocol } from './io/protocols.js';
export type { BaseTransport, ReadTransport, WriteTransport, Transport, DatagramTransport } from './io/transports.js';
export type { PeerAddress, SocketAddress, RawStream, RawStreamEvents } from './loop/raw-stream.js';
export type { StreamDriver, StreamListener, StreamListenHandlers, StreamConnectOptions, StreamListenOptions, StartTlsOptions, TlsSettings } from './loop/stream-driver.js';
export type { DnsDriver, DnsAddress, DnsLookupOptions } from './loop/dns-driver.js';
export type { AddressLike } from './io/addresses.js';
export { Server } from './io/server.js';
export { Socket, type SocketOptions, type SocketFamily, type SocketKind } from './io/socket.js';
export {
  AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST, AI_V4MAPPED, AI_ALL, AI_ADDRCONFIG, AI_NUMERICSERV,
  NI_NUMERICHOST, NI_NUMERICSERV, NI_NOFQDN, NI_NAMEREQD, NI_DGRAM,
  type AddrInfo, type GetaddrinfoOptions, type SocketType,
} from './io/dns.js';
export type {
  CreateConnectionOptions, CreateServerOptions, CreateUnixConnectionOptions, CreateUnixServerOptions,
  ConnectAcceptedSocketOptions, StartTlsCallOptions,
} from './io/network-methods.js';
import './io/network-methods.js';
export { SENDFILE_CHUNK, type SendfileSource, type SendfileOptions } from './io/sendfile.js';
import './io/sendfile.js';
import './io/sock-methods.js';
