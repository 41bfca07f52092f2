/**
 * Where the extension finds text: the textbook's data sets (setting, SEQLAB_DATA_DIR,
 * the copy bundled into the .vsix, the global-storage cache), a file, or an editor.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { assertText, loadCorpusText, MAX_CORPUS_BYTES, type CorpusText } from '../core/data/corpus';
import { isDatasetName } from '../core/data/registry';
import { resolveDataset, type ResolveOptions } from '../core/data/resolve';
import { SeqlabError } from '../core/util/errors';
import { settings } from './settings';

let ctx: vscode.ExtensionContext | undefined;
export function initData(context: vscode.ExtensionContext): void {
  ctx = context;
}

export function resolveOptions(): ResolveOptions {
  const bundled = ctx ? vscode.Uri.joinPath(ctx.extensionUri, 'data-bundle').fsPath : undefined;
  return {
    dataDirectory: settings.dataDirectory() || undefined,
    bundledDirectory: bundled && existsSync(bundled) ? bundled : undefined,
    cacheDirectory: ctx ? vscode.Uri.joinPath(ctx.globalStorageUri, 'data').fsPath : undefined,
    allowDownload: true,
  };
}

export const DATASET_LABELS: Record<string, string> = {
  timemachine: 'The Time Machine',
  'fra-eng': 'English–French pairs (English side)',
  'fra-eng:fr': 'English–French pairs (French side)',
};

/** A data set name, or a file path. */
export async function loadSource(spec: string): Promise<CorpusText> {
  return loadCorpusText(spec, resolveOptions());
}

/** The text of an open editor, with the same limits as a file on disk. */
export function documentCorpus(doc: vscode.TextDocument): CorpusText {
  const text = doc.getText();
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CORPUS_BYTES) {
    throw new SeqlabError(`${doc.fileName} is ${(bytes / 1048576).toFixed(1)} MB; Seqlab reads text up to ${MAX_CORPUS_BYTES / 1048576} MB.`, 'too-large');
  }
  assertText(Buffer.from(text.slice(0, 65536), 'utf8'), doc.fileName);
  if (text.trim().length === 0) throw new SeqlabError(`${vscode.workspace.asRelativePath(doc.uri)} is empty.`, 'empty-input');
  return { name: doc.uri.toString(), text, mode: settings.tokenizeMode() };
}

export function describeSource(spec: string): string {
  return DATASET_LABELS[spec] ?? vscode.workspace.asRelativePath(spec.startsWith('file:') ? vscode.Uri.parse(spec) : vscode.Uri.file(spec));
}

/** For a data set name: the folder it was found in (setting, environment, bundled copy, cache or a fresh download). */
export async function datasetFolder(spec: string): Promise<string | undefined> {
  const base = spec.split(':')[0];
  if (!isDatasetName(base)) return undefined;
  return dirname((await resolveDataset(base, resolveOptions())).path);
}
