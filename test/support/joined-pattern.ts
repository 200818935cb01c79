/** One regular expression from several literals in a row: a long expected message kept whole, on lines that fit. */
export const joinedPattern = (...parts: RegExp[]) => new RegExp(parts.map((p) => p.source).join(''));
