/** Resolves which run a command acts on: a tree node, an id, or a quick pick. */
import * as vscode from 'vscode';
import { SeqlabError } from '../../core/util/errors';
import type { RunRecord } from '../../protocol/runs';
import type { RunRegistry } from './registry';
import { describeRun, modelLabel, type RunsNode } from './runsTree';

export type RunArg = string | RunsNode | { runId?: string; id?: string } | undefined;

export async function pickRun(registry: RunRegistry, arg: RunArg, opts: { title: string; filter?: (r: RunRecord) => boolean } = { title: 'Pick a run' }): Promise<RunRecord | undefined> {
  const id = typeof arg === 'string' ? arg : arg && 'kind' in arg ? (arg.kind === 'run' ? arg.run.id : arg.runId) : (arg?.runId ?? arg?.id);
  if (id) return registry.require(id);
  const runs = registry.list().filter(opts.filter ?? (() => true));
  if (runs.length === 0) throw new SeqlabError('There are no suitable runs yet; start one with "Seqlab: Train Language Model…".', 'no-runs');
  const pick = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: r.name, description: describeRun(r), detail: `${modelLabel(r)} on ${r.data}`, run: r })),
    { ignoreFocusOut: true, title: opts.title },
  );
  return pick?.run;
}
