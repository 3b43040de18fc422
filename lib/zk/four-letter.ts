/**
 * ZooKeeper's four-letter words (`srvr`, `ruok`, `cons`, …) over a plain TCP socket: the server answers
 * and closes. Used by the harness to see a server's mode and by the console's "test connection" to read
 * the version. Kept apart from the client so that scripts can use it without the ZooKeeper library.
 */
import net from 'node:net';

/** Replies beyond this are cut: a four-letter answer is a few lines, anything larger is not ZooKeeper. */
const MAX_REPLY_BYTES = 64 * 1024;

export class FourLetterError extends Error {
  override readonly name = 'FourLetterError';
  constructor(
    readonly command: string,
    readonly host: string,
    readonly port: number,
    detail: string,
  ) {
    super(`four-letter word ${command} on ${host}:${port}: ${detail}`);
  }
}

/**
 * Send `command` and resolve with the whole reply once the server closes. Rejects when the connection
 * fails or no complete reply arrives within `timeoutMs` (a frozen server accepts TCP and never answers).
 */
export function fourLetterWord(host: string, port: number, command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const socket = net.connect({ host, port });
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    const reply = () => Buffer.concat(chunks).toString('utf8');
    const timer = setTimeout(() => settle(() => reject(new FourLetterError(command, host, port, `no reply within ${timeoutMs} ms`))), timeoutMs);
    socket.on('connect', () => socket.write(command));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_REPLY_BYTES) settle(() => resolve(reply()));
    });
    socket.on('error', (err) => settle(() => reject(new FourLetterError(command, host, port, err.message))));
    socket.on('close', () => settle(() => resolve(reply())));
  });
}

/** The version out of a `srvr` reply (`Zookeeper version: 3.8.4-…, built on …`), or null. */
export function parseSrvrVersion(reply: string): string | null {
  return /Zookeeper version:\s*([^\s,]+)/i.exec(reply)?.[1] ?? null;
}
