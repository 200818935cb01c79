/** A command's own input (a flag, a file it names) cannot be used: exit 2, and nothing was sent or started. */
export class UsageError extends Error {}
