/**
 * Experiment files in the editor: problems as diagnostics while typing, and the CodeLens over
 * the file ("Run experiment · N runs", "Compare results"). The JSON Schema the manifest
 * contributes (jsonValidation) lets VS Code's JSON support underline what the schema can say
 * (types, ranges, unknown keys); Seqlab adds what only the run configs know (e.g. 0 hidden
 * units, truncated BPTT with tf.layers). Without VS Code's JSON support, Seqlab reports all.
 */
import * as vscode from 'vscode';
import { EXPERIMENT_SUFFIX, parseExperimentText, type ParseResult } from '../../core/experiments';

export const EXPERIMENT_SELECTOR: vscode.DocumentSelector = [{ pattern: `**/*${EXPERIMENT_SUFFIX}` }];

export function isExperimentDocument(doc: vscode.TextDocument): boolean {
  return doc.uri.path.endsWith(EXPERIMENT_SUFFIX);
}

const parsedCache = new WeakMap<vscode.TextDocument, { version: number; result: ParseResult }>();

/** The document's parse, computed once per version. */
export function parseDocument(doc: vscode.TextDocument): ParseResult {
  const hit = parsedCache.get(doc);
  if (hit?.version === doc.version) return hit.result;
  const result = parseExperimentText(doc.getText(), doc.uri.fsPath);
  parsedCache.set(doc, { version: doc.version, result });
  return result;
}

const jsonSupport = () => Boolean(vscode.extensions.getExtension('vscode.json-language-features'));

export function experimentDiagnostics(): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('seqlab-experiments');
  const update = (doc: vscode.TextDocument) => {
    if (!isExperimentDocument(doc)) return;
    const r = parseDocument(doc);
    // Schema-level problems (no expansion happened) are the JSON support's to show, if it is there.
    const own = jsonSupport() ? r.problems.filter((p) => p.source !== 'schema') : r.problems;
    collection.set(
      doc.uri,
      own.map((p) => {
        const d = new vscode.Diagnostic(new vscode.Range(doc.positionAt(p.offset), doc.positionAt(p.offset + p.length)), p.message, vscode.DiagnosticSeverity.Error);
        d.source = 'seqlab';
        return d;
      }),
    );
  };
  vscode.workspace.textDocuments.forEach(update);
  return vscode.Disposable.from(
    collection,
    vscode.workspace.onDidOpenTextDocument(update),
    vscode.workspace.onDidChangeTextDocument((e) => update(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => collection.delete(doc.uri)),
  );
}

export class ExperimentCodeLens implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const r = parseDocument(doc);
    const top = new vscode.Range(0, 0, 0, 0);
    if (!r.parsed) {
      const n = r.problems.length;
      return [new vscode.CodeLens(top, { title: `$(error) ${n} problem${n === 1 ? '' : 's'}: fix ${n === 1 ? 'it' : 'them'} to run this experiment`, command: 'workbench.actions.view.problems' })];
    }
    const n = r.parsed.runs.length;
    return [
      new vscode.CodeLens(top, { title: `$(play) Run experiment · ${n} run${n === 1 ? '' : 's'}`, command: 'seqlab.experiments.run', arguments: [doc.uri], tooltip: `Queue ${n} run${n === 1 ? '' : 's'} of ${r.parsed.name}; results in ${r.parsed.name}.seqlab-results/` }),
      new vscode.CodeLens(top, { title: '$(graph-line) Compare results', command: 'seqlab.experiments.compare', arguments: [doc.uri] }),
    ];
  }
}
