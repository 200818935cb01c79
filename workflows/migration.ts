/**
 * The migration of migration-then-deploy: it runs to completion before any traffic moves, and is not
 * interrupted half-way (an abort takes effect right after it). Once applied, a rollback undoes it only
 * when the plan names a down-migration.
 */
import { CancellationScope, workflowInfo } from '@temporalio/workflow';
import type { Migration, Plan } from '../plan/schema';
import { rescue, waits } from './activities';
import type { Compensations } from './compensations';
import { describeMigrationTask } from './describe';
import type { Rollout } from './rollout';

export async function runMigration(plan: Plan, migration: Migration, rollout: Rollout, undo: Compensations): Promise<void> {
  const { metadata } = plan;
  // The key is fixed for this run, so a retry after a crash finds the migration already applied.
  const idempotencyKey = `${workflowInfo().workflowId}/${workflowInfo().firstExecutionRunId}/up`;
  rollout.setPhase('Migrating', `running migration ${describeMigrationTask(migration.run)}`);
  rollout.update({ migration: 'running' });
  try {
    await CancellationScope.nonCancellable(() =>
      waits.runMigration.executeWithOptions({ summary: `migrate (${describeMigrationTask(migration.run)})` }, [
        { task: migration.run, idempotencyKey, metadata },
      ]),
    );
  } catch (err) {
    rollout.update({ migration: 'failed' });
    throw err;
  }
  rollout.update({ migration: 'applied' });

  const down = migration.down;
  if (down) {
    undo.push('down-migration', async () => {
      await rescue.runMigration.executeWithOptions({ summary: `down-migrate (${describeMigrationTask(down)})` }, [
        { task: down, idempotencyKey: idempotencyKey.replace(/\/up$/, '/down'), metadata },
      ]);
      rollout.update({ migration: 'reverted' });
    });
  } else {
    undo.push('keep migration (no down-migration in the plan)', async () => {
      rollout.update({ migration: 'kept (no down-migration)' });
    });
  }
}
