/**
 * moto with a simulated ECS scheduler (test/support/ecs_sim.py): the real moto server, run in-process by
 * a small Python harness that makes deployments progress, registers one healthy target per running task,
 * and lets a test declare what moto cannot produce by itself: unhealthy targets, a service that never
 * starts, a failing image (circuit breaker), a task exiting non-zero.
 */
import path from 'node:path';
import { useForFile } from './file-scoped';
import { type Moto, spawnMoto } from './moto';
import { toolsBin } from './tools';

export interface EcsSim extends Moto {
  /** Scheduler ticks (DescribeServices calls) before a deployment completes or fails. */
  config(config: { ticks?: number }): Promise<void>;
  /** The service's targets report unhealthy (Target.ResponseCodeMismatch), or it never starts (hold). */
  service(name: string, behaviour: { health?: 'healthy' | 'unhealthy'; reason?: string; hold?: boolean }): Promise<void>;
  /** Deployments of this image fail like ECS's circuit breaker does (and roll back when the service enables it). */
  failingImage(image: string, reason?: string): Promise<void>;
  /** Tasks of this task-definition family stop with this exit code (and container reason). */
  taskExit(family: string, exitCode: number, reason?: string): Promise<void>;
  /**
   * How tasks move through their lifecycle (moto's own state manager; 4 steps from RUNNING to STOPPED):
   * each step after `describes` DescribeTasks calls (default 1), or after `seconds`.
   */
  taskRunsFor(describes: number): Promise<void>;
  taskStepsEvery(seconds: number): Promise<void>;
  tick(times?: number): Promise<void>;
  reset(): Promise<void>;
}

export async function startEcsSim(): Promise<EcsSim> {
  const script = path.join(__dirname, 'ecs_sim.py');
  const { child, endpoint } = await spawnMoto(path.join(toolsBin(), 'python'), (port) => [script, '-p', String(port)], 'ecs_sim.py');

  const post = async (route: string, body: unknown) => {
    const res = await fetch(`${endpoint}${route}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${route} failed: ${res.status} ${await res.text()}`);
  };
  return {
    endpoint,
    config: (config) => post('/_sim/config', config),
    service: (name, behaviour) => post('/_sim/ecs/service', { service: name, ...behaviour }),
    failingImage: (image, reason) => post('/_sim/ecs/failing-image', { image, reason }),
    taskExit: (family, exitCode, reason) => post('/_sim/ecs/task-exit', { family, exitCode, reason }),
    taskRunsFor: (describes) =>
      post('/moto-api/state-manager/set-transition', { model_name: 'ecs::task', transition: { progression: 'manual', times: describes } }),
    taskStepsEvery: (seconds) =>
      post('/moto-api/state-manager/set-transition', { model_name: 'ecs::task', transition: { progression: 'time', seconds } }),
    tick: (times = 1) => post('/_sim/ecs/tick', { times }),
    reset: () => post('/_sim/reset', {}),
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    },
  };
}

/** For a test file's top level: the simulator, started before the file's tests and stopped after them. */
export const useEcsSim = (): EcsSim => useForFile(startEcsSim, (sim) => sim.stop());
