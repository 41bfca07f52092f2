/** Starting a freshly registered run, the same for language models and translators. */
import { messageOf } from '../errors';
import type { Services } from '../services';
import { DashboardPanel } from './dashboardPanel';
import type { RunRegistry } from './registry';

export type NewRun = Parameters<RunRegistry['add']>[0];

/**
 * Registers and starts the run, then shows its progress. A run whose process cannot start
 * stays in the Runs tree as failed (with the reason) rather than vanishing.
 */
export async function launchRun(s: Services, init: NewRun, dashboard = true): Promise<string> {
  const run = s.registry.add(init);
  try {
    await s.manager.start(run.id);
  } catch (err) {
    s.registry.setStatus(run.id, 'failed', messageOf(err));
    throw err;
  }
  if (dashboard) DashboardPanel.show(s, run.id);
  return run.id;
}
