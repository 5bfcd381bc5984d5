/**
 * A message handled twice after a reconnect.
 *
 * A payment client sends `PAY <id> <amount>` to the payment service over TCP
 * and waits up to 100 ms for `OK <id>`. When no ack comes in time it assumes
 * the connection is dead, reconnects and sends the payment again: at-least-once
 * delivery. The network between them has 30 ms of latency and up to 25 ms of
 * jitter each way, so an ack now and then takes longer than 100 ms: the
 * first delivery was not lost, only slow, it is still in flight when the
 * client gives up, and the service charges the card twice.
 *
 * A plain simulated run passes or fails depending on its seed (the jitter
 * is drawn from it): a flaky test. `explore` draws the jitter anew each run,
 * finds a run where an ack is late, and shrinks the jitter to the least that
 * still makes it late.
 *
 * The fix (`IdempotentPaymentService`): the service remembers the ids it has
 * charged and acks a repeated id without charging again, which is what
 * at-least-once delivery requires of the receiver.
 */
import { createTask, openConnection, TimeoutError, waitFor, type SimWorld, type StreamReader, type StreamWriter } from '../../src/index.js';

/** Where the payment service listens. */
export const SERVICE_HOST = '10.0.0.7';
export const SERVICE_PORT = 7000;
/** One-way latency and jitter between the client and the service, and how long the client waits for an ack, in ms. */
export const LATENCY_MS = 30;
export const JITTER_MS = 25;
export const ACK_TIMEOUT_MS = 100;

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

/** The cards charged, by payment id: each id must be charged once. */
export type Ledger = Map<string, number>;

/** A payment service: serves one connection, recording charges in `ledger`. */
export type PaymentService = (ledger: Ledger) => (reader: StreamReader, writer: StreamWriter) => Promise<void>;

async function serve(reader: StreamReader, writer: StreamWriter, charge: (id: string, amount: number) => void): Promise<void> {
  for await (const line of reader) {
    const m = /^PAY (\S+) (\d+)\n$/.exec(text(line));
    if (m === null) {
      writer.write('ERR bad request\n');
      continue;
    }
    charge(m[1]!, Number(m[2]));
    writer.write(`OK ${m[1]}\n`);
  }
  writer.close();
}

/** Buggy: charges every PAY it receives, a resent one too. */
export const NaivePaymentService: PaymentService = (ledger) => (reader, writer) =>
  serve(reader, writer, (id) => ledger.set(id, (ledger.get(id) ?? 0) + 1));

/** Fixed: charges an id once and acks its repeats. */
export const IdempotentPaymentService: PaymentService = (ledger) => (reader, writer) =>
  serve(reader, writer, (id) => {
    if (!ledger.has(id)) ledger.set(id, 1);
  });

/** Sends payments one at a time; resends on a fresh connection when an ack is late. */
export class PaymentClient {
  private conn: [StreamReader, StreamWriter] | null = null;
  /** Payments sent again after a timeout. */
  resends = 0;

  constructor(private readonly host: string, private readonly port: number) {}

  /** Resolves once the service has acked payment `id`; gives up after `attempts` tries. */
  async pay(id: string, amount: number, attempts = 5): Promise<void> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) this.resends++;
      const [reader, writer] = (this.conn ??= await openConnection(this.host, this.port));
      writer.write(`PAY ${id} ${amount}\n`);
      try {
        const ack = createTask(() => reader.readline(), { name: `ack-${id}-try-${attempt}` });
        const reply = await waitFor(ack, ACK_TIMEOUT_MS); // cancels the read on timeout
        if (text(reply) !== `OK ${id}\n`) throw new Error(`payment ${id}: unexpected reply ${JSON.stringify(text(reply))}`);
        return;
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        // No ack in time: take the connection for dead and try again on a new one.
        this.conn = null;
        writer.close();
      }
    }
    throw new TimeoutError(`payment ${id}: no ack after ${attempts} attempts`);
  }

  /** Closes the connection, if one is open. */
  close(): void {
    this.conn?.[1].close();
    this.conn = null;
  }
}

/** Three payments over a jittery link: each must be charged exactly once. */
export async function checkout(world: SimWorld, service: PaymentService): Promise<void> {
  world.network.link('127.0.0.1', SERVICE_HOST, { latency: LATENCY_MS, jitter: JITTER_MS });
  const ledger: Ledger = new Map();
  world.network.listen(SERVICE_HOST, SERVICE_PORT, service(ledger));
  const client = new PaymentClient(SERVICE_HOST, SERVICE_PORT);
  const ids = ['order-1', 'order-2', 'order-3'];
  for (const id of ids) await client.pay(id, 25);
  client.close();
  for (const id of ids) {
    const charges = ledger.get(id) ?? 0;
    if (charges !== 1) {
      const resent = `${client.resends} payment${client.resends === 1 ? '' : 's'}`;
      throw new Error(`payment ${id} was charged ${charges} times (the client resent ${resent} after late acks)`);
    }
  }
}

/** The buggy scenario (the default export, for `explore` and the CLI). */
export async function buggy(world: SimWorld): Promise<void> {
  await checkout(world, NaivePaymentService);
}

/** The fixed scenario: passes under every schedule and every draw of jitter. */
export async function fixed(world: SimWorld): Promise<void> {
  await checkout(world, IdempotentPaymentService);
}

export default buggy;
