/**
 * Secrets written into a release file. The whole release is the release workflow's input, kept in its history and
 * shown in the UI; each target's expanded plan is checked for secrets too, but it carries neither the stage's
 * migration nor the gate's analysis, so the release is checked as a whole, with the same rules (plan/secrets.ts).
 * Each issue names the field, what was found and how to reference the secret by name instead. Pure.
 */
import type { RuleIssue } from './release-rules';
import { inlineSecrets } from './secrets';

export function checkReleaseSecrets(release: unknown): RuleIssue[] {
  return inlineSecrets(release).map(({ path, what }) => {
    const looksLike = what.startsWith('a value under') ? 'looks like a secret' : `looks like ${what}`;
    return {
      path,
      message:
        `${looksLike} written into the release, which is the release workflow's input and stays in its ` +
        `history: ${howToReference(path, what)}`,
    };
  });
}

/** The field that takes a reference in place of the value, where the platform has one. */
function howToReference(path: (string | number)[], what: string): string {
  const [grandparent, parent, key] = path.slice(-3).map(String);
  if (parent === 'environment' && grandparent === 'overrides')
    return (
      `move it to overrides.secrets, e.g. - { name: ${key}, valueFrom: <Secrets Manager secret or SSM ` +
      `parameter ARN> } (ECS reads it when the task starts)`
    );
  if (parent === 'environment' && grandparent === 'taskDefinition')
    return (
      `move it to taskDefinition.secrets, e.g. - { name: ${key}, valueFrom: <Secrets Manager secret or SSM ` +
      `parameter ARN> } (ECS reads it when the task starts)`
    );
  if (parent === 'env')
    return `move it to secretEnv, e.g. - { name: ${key}, secretName: <Secret>, key: <key> } (Kubernetes reads it when the Pod starts)`;
  if (path.includes('payload'))
    return 'pass the name of a secret in the payload (e.g. "passwordSecretArn") and let the migration function read it';
  if (what === 'a URL with a password in it')
    return (
      'remove the user and password from the URL: a release carries no credentials, ' + 'so the worker must reach the endpoint without them'
    );
  return 'store it in a secret store and reference it by name (e.g. "secretName")';
}
