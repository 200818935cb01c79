/** A flag or argument the CLI cannot use; the message names it, the cause and the fix, and the CLI exits 2. */
export class BadInput extends Error {}
