/** asyncio's Streams API (asyncio.streams.__all__), with the option types. */
export { StreamReader, type StreamReaderOptions } from './stream-reader.js';
export { StreamReaderProtocol, type ClientConnectedCallback } from './stream-reader-protocol.js';
export { StreamWriter, type StreamStartTlsOptions, type StreamWriterProtocol } from './stream-writer.js';
export {
  openConnection,
  startServer,
  openUnixConnection,
  startUnixServer,
  type StreamLimitOptions,
  type OpenConnectionOptions,
  type StartServerOptions,
  type OpenUnixConnectionOptions,
  type StartUnixServerOptions,
} from './stream-functions.js';
