import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKFLOW_HEAP_MIB, workflowCacheSize, workflowHeapMiB } from '../../workers/workflow-cache';

describe('the workflow cache, sized from the workflow thread heap', () => {
  it.each([
    [undefined, DEFAULT_WORKFLOW_HEAP_MIB],
    ['', DEFAULT_WORKFLOW_HEAP_MIB],
    ['1024', 1024],
  ])('GLIDEPATH_WORKFLOW_HEAP_MIB=%s gives a %i MiB heap', (setting, mib) => {
    expect(workflowHeapMiB(setting)).toBe(mib);
  });

  it.each(['128', '512.5', 'lots'])('refuses GLIDEPATH_WORKFLOW_HEAP_MIB=%s, naming the setting and the rule', (setting) => {
    expect(() => workflowHeapMiB(setting)).toThrow(/GLIDEPATH_WORKFLOW_HEAP_MIB must be an integer ≥ 256/);
  });

  it.each([
    [512, undefined, 320],
    [1024, undefined, 832],
    [256, undefined, 100], // never fewer than 100
    [512, '50', 50], // set directly
  ])('a %i MiB heap (GLIDEPATH_MAX_CACHED_WORKFLOWS=%s) caches %i plans', (heap, override, size) => {
    expect(workflowCacheSize(heap, override)).toBe(size);
  });

  it('refuses a cache size that is not a whole number of at least 2', () => {
    expect(() => workflowCacheSize(512, '1')).toThrow(/GLIDEPATH_MAX_CACHED_WORKFLOWS must be an integer ≥ 2/);
  });
});
