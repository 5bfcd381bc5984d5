import { describe, expect, it } from 'vitest';
import { isRecordWriter, RecordFramer, recordOverhead } from '../../../src/backends/sim/tls/record-framer.js';
import { SimRawStream } from '../../../src/backends/sim/network/sim-raw-stream.js';

/** A TLS record of `type` with a body of `n` bytes (all `fill`). */
function record(type: number, n: number, fill = 0): Uint8Array {
  const r = new Uint8Array(5 + n).fill(fill);
  r.set([type, 3, 3, n >> 8, n & 0xff]);
  return r;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

describe('RecordFramer', () => {
  it('cuts chunks into whole records, holding an incomplete one until the rest comes', () => {
    const framer = new RecordFramer();
    const a = record(22, 300, 1);
    const b = record(23, 40, 2);
    const stream = concat(a, b);
    const first = framer.frame([stream.subarray(0, 7), stream.subarray(7, 310)]);
    expect(first.records).toEqual([a]);
    const second = framer.frame([stream.subarray(310)]);
    expect(second.records).toEqual([b]);
    expect(framer.takeRest()).toBeNull();
  });

  it('charges nothing before the handshake is done, whatever the records', () => {
    const framer = new RecordFramer();
    expect(framer.frame([concat(record(22, 500), record(20, 1), record(23, 72))]).charges).toEqual([0, 0, 0]);
  });

  it('charges application data by its plaintext once secured, and other records nothing', () => {
    const framer = new RecordFramer();
    framer.secured('TLSv1.3', 'TLS_AES_256_GCM_SHA384');
    // TLS 1.3 adds 1 byte of content type and a 16-byte tag to each record's plaintext.
    expect(framer.frame([concat(record(23, 16384 + 17), record(23, 2 + 17), record(21, 2))]).charges).toEqual([16384, 2, 0]);
  });

  it('hands back what is held of an incomplete record', () => {
    const framer = new RecordFramer();
    const r = record(23, 100);
    expect(framer.frame([r.subarray(0, 50)]).records).toEqual([]);
    expect(framer.takeRest()).toEqual(r.subarray(0, 50));
    expect(framer.takeRest()).toBeNull();
  });

  it('passes bytes that are not TLS records through, charged their length', () => {
    const framer = new RecordFramer();
    const junk = new TextEncoder().encode('GET / HTTP/1.1\r\n');
    const { records, charges } = framer.frame([junk]);
    expect(records).toEqual([junk]);
    expect(charges).toEqual([junk.length]);
  });
});

describe('recordOverhead', () => {
  it('knows the AEAD overheads of TLS 1.3 and 1.2 suites, and calls CBC suites 0', () => {
    expect(recordOverhead('TLSv1.3', 'TLS_AES_128_GCM_SHA256')).toBe(17);
    expect(recordOverhead('TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256')).toBe(17);
    expect(recordOverhead('TLSv1.3', 'TLS_AES_128_CCM_8_SHA256')).toBe(9);
    expect(recordOverhead('TLSv1.2', 'ECDHE-ECDSA-AES128-GCM-SHA256')).toBe(24);
    expect(recordOverhead('TLSv1.2', 'ECDHE-RSA-CHACHA20-POLY1305')).toBe(16);
    expect(recordOverhead('TLSv1.2', 'ECDHE-RSA-AES128-SHA256')).toBe(0);
    expect(recordOverhead(null, undefined)).toBe(0);
  });
});

describe('isRecordWriter', () => {
  it('is true of the simulated network streams only', () => {
    expect(isRecordWriter(SimRawStream.prototype)).toBe(true);
    expect(isRecordWriter({ write() {} })).toBe(false);
    expect(isRecordWriter(null)).toBe(false);
  });
});
