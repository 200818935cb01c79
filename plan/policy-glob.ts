/** Glob matching for policy rules and freeze scopes: `*` is any text, everything else literal. Pure: workflow-safe. */

export function globMatches(glob: string | undefined, value: string | undefined): boolean {
  if (glob === undefined || glob === '*') return true;
  if (value === undefined) return false;
  const pattern = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(value);
}

/** Whether an emergency freeze covers a run of `service` in `environment`. */
export function freezeCovers(freeze: { environment: string; service?: string }, service: string, environment: string): boolean {
  return globMatches(freeze.environment, environment) && globMatches(freeze.service, service);
}
