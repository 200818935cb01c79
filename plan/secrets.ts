/**
 * Secrets written into a plan. A plan becomes the workflow's input, stored in its history and shown in the
 * UI, so a secret there leaks to everyone who can read the namespace. They are found two ways, both
 * case-insensitive: by the key a string sits under (`password`, `AWS_SECRET_ACCESS_KEY`, `api_key`...), and by
 * the value itself wherever it is (access keys, PEM blocks, JWTs, URLs with a password, pasted kubeconfigs).
 *
 * Pure: imported by workflow code.
 */

/** Words that make a key secret, compared without case or separators ("API-Key", "api_key" and "apiKey" alike). */
const SECRET_KEY_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'credential',
  'apikey',
  'privatekey',
  'accesskey',
  'authkey',
  'signingkey',
  'clientkey',
];
/** Whole words that make a key secret but are too short to look for inside other words. */
const SECRET_KEY_WORDS = ['pwd'];
/** A key ending in one of these holds where the secret is, not the secret (`secretName`, `DB_PASSWORD_FILE`). */
const REFERENCE_SUFFIXES = ['name', 'ref', 'arn', 'file', 'path', 'from', 'id', 'env'];

/** "AWS_SECRET_ACCESS_KEY" → ["aws", "secret", "access", "key"]; "apiKey" → ["api", "key"]. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

export function isSecretKey(key: string): boolean {
  const parts = words(key);
  if (parts.length === 0 || REFERENCE_SUFFIXES.includes(parts[parts.length - 1])) return false;
  const joined = parts.join('');
  return SECRET_KEY_PARTS.some((p) => joined.includes(p)) || parts.some((w) => SECRET_KEY_WORDS.includes(w));
}

/** `\b(?:a|b|c)\b`: tokens of GitHub, Slack, Stripe and Google, one pattern each. */
const anyToken = (...tokens: RegExp[]) => new RegExp(`\\b(?:${tokens.map((t) => t.source).join('|')})\\b`);

const SECRET_VALUES: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z0-9 ]*-----/, 'a PEM block (a key or certificate)'],
  [/\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/, 'an AWS access key id'],
  [/\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/, 'a JSON Web Token'],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:[^\s/?#@]+@/i, 'a URL with a password in it'],
  [
    /(?:^|[\s;,&?"'-])(?:password|passwd|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key)\s*(?:=|:\s)\s*(?!\{\{)[^\s;,&"']+/i,
    'a password or token written as key=value',
  ],
  [/\b(?:client-key-data|client-certificate-data|certificate-authority-data)\s*:|\bkind\s*:\s*Config\b/, 'kubeconfig content'],
  [
    anyToken(
      /gh[pousr]_[A-Za-z0-9]{36,}/,
      /github_pat_[A-Za-z0-9_]{22,}/,
      /xox[abprs]-[A-Za-z0-9-]{10,}/,
      /sk_live_[A-Za-z0-9]{16,}/,
      /AIza[0-9A-Za-z_-]{35}/,
    ),
    'an API token',
  ],
];

/** What secret `value` looks like, or undefined. */
export function secretInValue(value: string): string | undefined {
  return SECRET_VALUES.find(([pattern]) => pattern.test(value))?.[1];
}

export interface InlineSecret {
  path: (string | number)[];
  /** What was found: "a string under a secret-looking key", "an AWS access key id"... */
  what: string;
}

/**
 * Numbers are secrets (an unquoted password in YAML) under keys whose last word names one: `dbPassword: 83920174`
 * is one, `maxTokens: 500` or `passwordMinLength: 12` are settings.
 */
const SECRET_NUMBER_WORDS = ['password', 'passwd', 'passphrase', 'pwd', 'secret', 'token', 'key'];

/** Text, or numbers (alone or in a list) under a key whose last word names a secret. */
function holdsSecret(key: string, v: unknown): boolean {
  if (typeof v === 'string') return v !== '' && isSecretKey(key);
  const isNumber = (x: unknown) => typeof x === 'number' || typeof x === 'bigint';
  if (!(isNumber(v) || (Array.isArray(v) && v.length > 0 && v.every(isNumber)))) return false;
  return isSecretKey(key) && SECRET_NUMBER_WORDS.includes(words(key).at(-1)!);
}

/** Every value of the plan that is, or sits under a key that says it is, a secret. */
export function inlineSecrets(value: unknown, path: (string | number)[] = []): InlineSecret[] {
  if (typeof value === 'string') {
    const what = secretInValue(value);
    return what ? [{ path, what }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => inlineSecrets(v, [...path, i]));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) =>
    holdsSecret(key, v) ? [{ path: [...path, key], what: `a value under "${key}"` }] : inlineSecrets(v, [...path, key]),
  );
}
