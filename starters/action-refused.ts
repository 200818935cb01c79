/** An action the running plan (or Temporal) refused; the CLI prints its message and exits 1. */
export class ActionRefused extends Error {}
