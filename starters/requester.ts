/**
 * Who requests a run the CLI starts: `--by`, else $GLIDEPATH_USER, else the CI's user ($GITHUB_ACTOR,
 * $GITLAB_USER_LOGIN, $BUILDKITE_BUILD_CREATOR), else $USER (else the login user). Four-eyes refuses the requester's
 * own approval, so a plan or release file does not get to name the requester: a `metadata.requestedBy` in the
 * file (or from `--set`) that differs from it is refused, exit 2, nothing started.
 */
import os from 'node:os';
import { MAX_NAME_LENGTH } from '../plan/limits';
import { PlanError } from '../plan/plan-error';
import { unreadableCharacter } from '../plan/readable-text';

/** Where a name comes from when `--by` is not given, in order. */
const ACTOR_VARIABLES = ['GLIDEPATH_USER', 'GITHUB_ACTOR', 'GITLAB_USER_LOGIN', 'BUILDKITE_BUILD_CREATOR', 'USER'];
const SOURCES = `--by, ${ACTOR_VARIABLES.map((v) => `$${v}`).join(', ')}`;

/** Who is acting, and where the name came from; undefined when nothing names anyone. */
export function actor(by: string | undefined, env: NodeJS.ProcessEnv = process.env): { name: string; from: string } | undefined {
  if (by !== undefined) return { name: by, from: '--by' };
  for (const variable of ACTOR_VARIABLES) {
    const name = env[variable];
    if (name) return { name, from: `$${variable}` };
  }
  try {
    return { name: os.userInfo().username, from: 'the login user' };
  } catch {
    return undefined; // a container user with no passwd entry
  }
}

/**
 * The requester of a run started from `file`: the acting person (see the header). `named` is the file's
 * `metadata.requestedBy` (after `--set`), refused when it differs.
 */
export function requester(file: string, named: string | undefined, by: string | undefined): string {
  const who = actor(by);
  if (!who)
    throw new PlanError(file, [
      { path: 'metadata.requestedBy', message: `no requester: none of ${SOURCES} is set; pass --by <your name>` },
    ]);
  const path = `metadata.requestedBy (from ${who.from})`;
  const problem = unreadableCharacter(who.name);
  if (problem) throw new PlanError(file, [{ path, message: `requestedBy ${problem}` }]);
  if (who.name.length === 0 || who.name.length > MAX_NAME_LENGTH)
    throw new PlanError(file, [{ path, message: `requestedBy is 1 to ${MAX_NAME_LENGTH} characters, not ${who.name.length}` }]);
  if (named !== undefined && named !== who.name)
    throw new PlanError(file, [
      {
        path: 'metadata.requestedBy',
        message:
          `is "${named}", but ${who.name} (${who.from}) is starting it: the requester is whoever starts a run, never a name ` +
          `the file or --set gives (four-eyes refuses the requester's approval); remove metadata.requestedBy`,
      },
    ]);
  return who.name;
}

/** The same for a release: its requester, given to the plan of every target (the release workflow gives it to their runs). */
export function stampRelease(
  file: string,
  release: { metadata: { requestedBy?: string } },
  stages: Array<{ waves: Array<Array<{ plan: { metadata: { requestedBy?: string } } }>> }>,
  by: string | undefined,
): void {
  const name = requester(file, release.metadata.requestedBy, by);
  release.metadata.requestedBy = name;
  for (const target of stages.flatMap((s) => s.waves.flat())) target.plan.metadata.requestedBy = name;
}
