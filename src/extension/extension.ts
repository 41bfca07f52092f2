import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('seqlab.showBackend', async () => {
      vscode.window.showInformationMessage('Seqlab is active.');
    }),
  );
}

export function deactivate(): void {}
