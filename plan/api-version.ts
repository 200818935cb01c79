/** The `apiVersion` every plan file starts with. Zod-free, so workflow code may import it. */
export const API_VERSION = 'glidepath/v1';
