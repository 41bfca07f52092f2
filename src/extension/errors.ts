/**
 * How failures reach the user: a SeqlabError's one sentence in a notification, anything
 * else with its message and the stack in the Seqlab output channel. Nothing is rethrown
 * into VS Code, so a bad input never shows as an extension crash.
 */
import * as vscode from 'vscode';
import { SeqlabError } from '../core/util/errors';

let channel: vscode.LogOutputChannel | undefined;

export function outputChannel(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('Seqlab', { log: true });
  return channel;
}

export function log(message: string): void {
  outputChannel().info(message);
}

export function messageOf(err: unknown): string {
  if (err instanceof SeqlabError) return err.message;
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** The last error shown, for extension-host tests that check the user saw a clear message. */
export let lastShownError: string | undefined;

export function showError(err: unknown): void {
  const text = messageOf(err);
  lastShownError = text;
  if (!(err instanceof SeqlabError)) outputChannel().error(err instanceof Error ? (err.stack ?? text) : text);
  void vscode.window.showErrorMessage(`Seqlab: ${text}`);
}

/** Wraps a command so any failure becomes a message; returns undefined on failure. */
export function guarded<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>): (...args: A) => Promise<R | undefined> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      showError(err);
      return undefined;
    }
  };
}
