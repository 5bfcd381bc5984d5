import type { EventLoop } from '../../loop/event-loop.js';
import { loopHooks } from '../../loop/loop-hooks.js';
import type { PeerAddress, RawStream } from '../../loop/raw-stream.js';
import { ConnectionRecording, transcriptPeer } from './connection-recording.js';
import { RecordingStream } from './recording-stream.js';

/** A recording loop's connections: how many so far (they are numbered from 1), and those still open. */
interface LoopRecordings {
  count: number;
  open: Set<ConnectionRecording>;
}

const byLoop = new WeakMap<EventLoop, LoopRecordings>();

/**
 * Record mode (`new EventLoop({ record: dir })`): `raw`, a TCP or unix
 * connection the loop just opened or accepted, wrapped so that its
 * transcript goes to `dir/<n>-<host>-<port>.json` (`dir/<n>-unix.json`),
 * `n` counting the loop's connections from 1 in the order they were
 * established. Without record mode, or for a stream already recorded,
 * `raw` itself.
 */
export function recordStream(loop: EventLoop, raw: RawStream): RawStream {
  const dir = loop._recordDir;
  if (dir === null || raw instanceof RecordingStream) return raw;
  let state = byLoop.get(loop);
  if (state === undefined) {
    state = { count: 0, open: new Set() };
    byLoop.set(loop, state);
  }
  const open = state.open;
  const peer = transcriptPeer(raw.getExtraInfo('peername') as PeerAddress | undefined, raw.getExtraInfo('sockname') as PeerAddress | undefined);
  const recording = new ConnectionRecording(loop, dir, ++state.count, peer, (r) => open.delete(r));
  open.add(recording);
  return new RecordingStream(raw, recording);
}

/**
 * Run a TLS upgrade of `raw` (`upgrade` is given the stream to hand to the
 * driver). For a recorded stream the driver gets the backend's own stream
 * (so ciphertext is never recorded), bytes the transport held for the
 * handshake (`pending`) are taken out of the transcript, and the TLS stream
 * comes back recorded into the same transcript, marked `tls`. A failed
 * handshake closes the connection, so its transcript is written then.
 */
export function upgradeRecorded(
  raw: RawStream,
  pending: readonly Uint8Array[] | undefined,
  upgrade: (stream: RawStream) => Promise<RawStream>,
): Promise<RawStream> {
  // Not recording: the upgrade itself, without an extra async frame on the common path.
  if (!(raw instanceof RecordingStream)) return upgrade(raw);
  return upgradeRecording(raw, pending ?? [], upgrade);
}

async function upgradeRecording(
  raw: RecordingStream,
  pending: readonly Uint8Array[],
  upgrade: (stream: RawStream) => Promise<RawStream>,
): Promise<RawStream> {
  const rec = raw._recording;
  rec.tls = true;
  rec.unreceive(pending.reduce((n, c) => n + c.length, 0));
  let tls: RawStream;
  try {
    tls = await upgrade(raw._inner);
  } catch (e) {
    rec.finish();
    throw e;
  }
  return new RecordingStream(tls, rec);
}

// A loop that closes with connections still open (the process may end
// before they do) writes what they have so far; each is written again when
// it closes.
loopHooks.onClose.push((loop) => {
  const state = byLoop.get(loop);
  if (state === undefined) return;
  for (const r of state.open) r.flush();
});
