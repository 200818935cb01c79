/**
 * A worker's memory, bounded by design. Its workflows run in the SDK's workflow thread, a V8 isolate of their own,
 * so that isolate's heap limit bounds what the cached plans and their garbage take, and the workflow cache is sized
 * from that limit so the cache fills before the heap does: a full cache evicts a plan (replayed from its history
 * on its next timer or message, a few tens of ms of CPU), a full heap would kill the worker.
 *
 * Node gives every isolate a heap limit from the machine's memory (4 GiB here), and V8 lets a heap with that much
 * room collect late: with it, 2,000 plans held at a gate took 1.6 GiB of RSS. The worker gives the workflow thread
 * GLIDEPATH_WORKFLOW_HEAP_MIB (default 512) instead, before the SDK creates it; the 2,000 plans then take about
 * 600 MiB (`npm run bench`: open_plans_rss_mb_2000, and wake_p99_ms for waking plans evicted from the cache).
 * GLIDEPATH_MAX_CACHED_WORKFLOWS sets the cache size directly; README "Performance and capacity" says when.
 */
import v8 from 'node:v8';

export const DEFAULT_WORKFLOW_HEAP_MIB = 512;
/** Budget per cached plan: about three times the heap a canary held at a gate keeps (0.06 to 0.3 MiB). */
export const MIB_PER_CACHED_PLAN = 1;
/** Heap kept for the thread itself (the workflow bundle, the SDK) and for garbage between collections. */
export const RESERVED_HEAP_MIB = 192;

export function workflowHeapMiB(setting = process.env.GLIDEPATH_WORKFLOW_HEAP_MIB): number {
  if (setting === undefined || setting === '') return DEFAULT_WORKFLOW_HEAP_MIB;
  const mib = Number(setting);
  if (!Number.isInteger(mib) || mib < 256) {
    throw new Error(`GLIDEPATH_WORKFLOW_HEAP_MIB must be an integer ≥ 256 (MiB), not "${setting}"`);
  }
  return mib;
}

/** Gives isolates created from now on (the SDK's workflow thread) this old-space limit; the main thread keeps its own. */
export function limitWorkflowHeap(mib: number): void {
  v8.setFlagsFromString(`--max-old-space-size=${mib}`);
}

export function workflowCacheSize(heapMiB = workflowHeapMiB(), override = process.env.GLIDEPATH_MAX_CACHED_WORKFLOWS): number {
  if (override !== undefined && override !== '') {
    const size = Number(override);
    if (!Number.isInteger(size) || size < 2) throw new Error(`GLIDEPATH_MAX_CACHED_WORKFLOWS must be an integer ≥ 2, not "${override}"`);
    return size;
  }
  return Math.max(Math.floor((heapMiB - RESERVED_HEAP_MIB) / MIB_PER_CACHED_PLAN), 100);
}
