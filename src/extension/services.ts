/** What commands and panels share, created once in activate(). */
import type * as vscode from 'vscode';
import type { RunManager } from './runs/runManager';
import type { RunRegistry } from './runs/registry';
import type { TokenDecorations } from './tokenize/decorations';

export interface Services {
  context: vscode.ExtensionContext;
  registry: RunRegistry;
  manager: RunManager;
  decorations: TokenDecorations;
}
