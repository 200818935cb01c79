/** Command input that cannot work (the message names the field, the cause and the fix); the CLI exits 2 and sends nothing. */
export class UsageError extends Error {}
