import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface VerifierReport {
  checks: number;
  allowed: number;
  refused: number;
  stale: number;
  other: string[];
  maxSeqBeforeAllowed: number;
  minSeqAfterRefused: number | null;
  firstRefusedAt: number | null;
  lastAllowedAt: number | null;
  sequence: number;
}

export interface VerifierConfig {
  url: string;
  schema: string;
  wire: string;
  root: string;
  presenter: string;
  request: { resource: string; action: string; audience: string; task?: string };
  maxStalenessMs?: number;
}

/** A verifier process (test/verifier.mjs) authorizing one token in a loop. */
export class Verifier {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;

  constructor(config: VerifierConfig) {
    this.child = fork(fileURLToPath(new URL('./verifier.mjs', import.meta.url)), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('exit', (code) => reject(new Error(`verifier exited with ${code} before it was ready`)));
      this.child.once('message', () => resolve());
    });
  }

  report(): Promise<VerifierReport> {
    return new Promise((resolve) => {
      const listen = (message: unknown) => {
        if (typeof message === 'object' && message !== null && 'report' in message) {
          this.child.off('message', listen);
          resolve((message as { report: VerifierReport }).report);
        }
      };
      this.child.on('message', listen);
      this.child.send('report');
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.send('stop');
    });
  }
}
