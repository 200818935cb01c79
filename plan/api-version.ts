/** The `apiVersion` every plan file starts with. Zod-free, so workflow code may import it. */
export const API_VERSION = 'glidepath/v1';

/** The `kind` that makes a file a release file rather than a plan (which has no kind). */
export const RELEASE_KIND = 'Release';
