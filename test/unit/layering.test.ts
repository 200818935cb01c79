/**
 * The contract between the layers, checked on every run: no import cycles at run time (type-only imports are
 * erased, so two files may name each other's types), and no arrow pointing up.
 *   plan/        pure: imports nothing of the project but plan/
 *   workflows/   plan/ and workflows/ only, and types from activities/ (the activity contract)
 *   activities/  plan/ and activities/, and the workflows' message definitions (MESSAGE_DEFINITIONS: their API for
 *                any client, an activity that signals a workflow is one); never workflow code, handlers included
 *   encryption/  nothing of the project but encryption/
 *   connection/  where Temporal is, for the CLI and the worker: nothing of the project
 *   workers/     activities/, plan/, encryption/, connection/, workers/ (the workflows by path, not by import)
 *   starters/    anything but workers/, except the `worker` command's lazy entry
 */
import { describe, expect, it } from 'vitest';
import { type ImportEdge, cycles, importGraph } from './import-graph';

const edges = importGraph();
const layer = (file: string) => file.split('/')[0];
/** Definitions of signals, updates and queries only: no handlers, nothing that runs inside a workflow. */
const MESSAGE_DEFINITIONS = ['workflows/messages.ts', 'workflows/freeze-messages.ts', 'workflows/release-messages.ts'];

const ALLOWED: Record<string, (edge: ImportEdge) => boolean> = {
  plan: (e) => layer(e.to) === 'plan',
  workflows: (e) => ['plan', 'workflows'].includes(layer(e.to)) || (layer(e.to) === 'activities' && e.typeOnly),
  activities: (e) => ['plan', 'activities'].includes(layer(e.to)) || MESSAGE_DEFINITIONS.includes(e.to),
  encryption: (e) => layer(e.to) === 'encryption',
  connection: () => false,
  workers: (e) => ['plan', 'activities', 'encryption', 'connection', 'workers'].includes(layer(e.to)),
  starters: (e) => layer(e.to) !== 'workers' || (e.from === 'starters/cli.ts' && e.to === 'workers/worker.ts'),
};

describe('layering', () => {
  it('reads the graph (the check below is not vacuous)', () => {
    expect(edges.length).toBeGreaterThan(100);
    expect(edges).toContainEqual({ from: 'workflows/canary.ts', to: 'workflows/promotion.ts', typeOnly: false });
  });

  it('has no import cycles at run time', () => {
    expect(cycles(edges.filter((e) => !e.typeOnly))).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const a = 'plan/a.ts';
    const b = 'plan/b.ts';
    expect(
      cycles([
        { from: a, to: b, typeOnly: false },
        { from: b, to: a, typeOnly: false },
      ]),
    ).toEqual([[a, b]]);
  });

  it('lets activities import message definitions, never the handlers', () => {
    const handlers = { from: 'activities/policy.ts', to: 'workflows/rollout-messages.ts', typeOnly: false };
    expect(ALLOWED.activities(handlers)).toBe(false);
    expect(ALLOWED.activities({ ...handlers, to: 'workflows/freeze-messages.ts' })).toBe(true);
  });

  it('has no arrow pointing up', () => {
    const upward = edges.filter((e) => !ALLOWED[layer(e.from)](e)).map((e) => `${e.from} → ${e.to}${e.typeOnly ? ' (type)' : ''}`);
    expect(upward).toEqual([]);
  });
});
