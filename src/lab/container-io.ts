/**
 * Talking to a lab container without SSH: docker exec for arranging and checking the world, and a banner probe,
 * because a published port accepts TCP (docker-proxy) long before sshd behind it is ready.
 */
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { packTar, type TarFile } from './tar.js';

export interface LabExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** docker exec with demultiplexed output and the exit code. */
export async function dockerExec(docker: Docker, containerId: string, cmd: string): Promise<LabExecResult> {
  const exec = await docker.getContainer(containerId).exec({
    Cmd: ['sh', '-c', cmd],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.stdout.push(c));
  err.on('data', (c: Buffer) => chunks.stderr.push(c));
  docker.modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve, reject) => {
    stream.once('end', () => resolve());
    stream.once('close', () => resolve());
    stream.once('error', reject);
  });
  const info = await exec.inspect();
  return {
    code: info.ExitCode ?? -1,
    stdout: Buffer.concat(chunks.stdout).toString('utf8'),
    stderr: Buffer.concat(chunks.stderr).toString('utf8'),
  };
}

/** Resolves once the port answers with an SSH identification line (a bare TCP accept may be docker-proxy alone). */
export async function waitForBanner(address: string, port: number, timeoutMs: number, name = `${address}:${port}`): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt';
  while (Date.now() < deadline) {
    try {
      return await readBanner(address, port, Math.min(2000, Math.max(100, deadline - Date.now())));
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`ssh on ${name} (127.0.0.1:${port}) did not answer with a banner: ${last}`);
}

function readBanner(address: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port });
    let data = '';
    const done = (err?: Error): void => {
      socket.destroy();
      if (err) reject(err);
      else resolve(data.split('\r\n')[0] ?? data);
    };
    socket.setTimeout(timeoutMs, () => done(new Error('timed out waiting for banner')));
    socket.on('data', (c: Buffer) => {
      data += c.toString('latin1');
      if (data.includes('\n')) done(data.startsWith('SSH-') ? undefined : new Error(`unexpected banner ${JSON.stringify(data.slice(0, 40))}`));
    });
    socket.once('error', (err) => done(err));
    socket.once('close', () => done(new Error('connection closed before banner')));
  });
}

/** Writes files into a container (running or not) through docker's archive endpoint. */
export async function putFiles(docker: Docker, containerId: string, files: readonly TarFile[]): Promise<void> {
  if (files.length === 0) return;
  await docker.getContainer(containerId).putArchive(packTar(files), { path: '/' });
}
