/**
 * The "Get started with Seqlab" walkthrough (package.json contributes.walkthroughs): it follows
 * the textbook's chapters, each step's button runs a Seqlab command on the bundled data. It opens
 * by itself once, on the first activation after install (VS Code opens walkthroughs of gallery
 * installs itself, not of VSIX or code-server installs), and honours VS Code's own setting
 * `workbench.welcomePage.walkthroughs.openOnInstall`; "Seqlab: Open Walkthrough" opens it any time.
 */
import * as vscode from 'vscode';
import { guarded, log } from '../errors';
import { loadSource } from '../data';

export const WALKTHROUGH_ID = 'seqlab.gettingStarted';
/** globalState key: set on the first activation, so the walkthrough never opens by itself again. */
export const WALKTHROUGH_OFFERED = 'seqlab.walkthroughOffered';

export function openWalkthrough(context: vscode.ExtensionContext): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${WALKTHROUGH_ID}`, false);
}

export function offerWalkthroughOnFirstInstall(context: vscode.ExtensionContext): void {
  if (context.globalState.get<boolean>(WALKTHROUGH_OFFERED)) return;
  void context.globalState.update(WALKTHROUGH_OFFERED, true);
  // SEQLAB_TEST_NO_WALKTHROUGH: the UI tests' fresh profiles are all "first installs".
  if (process.env.SEQLAB_TEST_NO_WALKTHROUGH === '1') {
    log('first activation: the walkthrough was not opened (SEQLAB_TEST_NO_WALKTHROUGH=1).');
    return;
  }
  if (!vscode.workspace.getConfiguration('workbench').get<boolean>('welcomePage.walkthroughs.openOnInstall', true)) {
    log('first activation: the walkthrough was not opened (workbench.welcomePage.walkthroughs.openOnInstall is off); "Seqlab: Open Walkthrough" opens it.');
    return;
  }
  void openWalkthrough(context);
}

/** The first lines of The Time Machine in an editor, tokenized into words (the walkthrough's d2l 8.2 step). */
async function tokenizeSample(): Promise<unknown> {
  const corpus = await loadSource('timemachine');
  const sample = corpus.text.split('\n').slice(0, 40).join('\n');
  const doc = await vscode.workspace.openTextDocument({ content: sample, language: 'plaintext' });
  await vscode.window.showTextDocument(doc);
  return vscode.commands.executeCommand('seqlab.tokenizeSelection', { tokenizer: 'word' });
}

export function registerWalkthroughCommands(context: vscode.ExtensionContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('seqlab.openWalkthrough', guarded(() => openWalkthrough(context))),
    vscode.commands.registerCommand('seqlab.walkthrough.tokenizeSample', guarded(tokenizeSample)),
  ];
}
