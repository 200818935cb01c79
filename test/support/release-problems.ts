/** What `validateRelease` says is wrong with a release document; fails the test if it accepts it. */
import { expect } from 'vitest';
import { ReleaseError, validateRelease } from '../../plan/release-load';

export function releaseProblems(doc: unknown): string {
  try {
    validateRelease(doc, 'release.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ReleaseError);
    return (err as Error).message;
  }
  throw new Error('the release was accepted');
}
