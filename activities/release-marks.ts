/**
 * The marks a release or a migration leaves on the platform's own objects (tags, annotations, names), shared by
 * the platforms. Runs in flight and live objects carry them: changing one orphans what they mark.
 */
import type { Metadata } from '../plan/schema';

/** Which release made an object: ECS task definition tags, Kubernetes annotations. */
export const releaseMarker = (m: Metadata) => `${m.service}/${m.environment}/${m.release}`;

/** The tag key that records a migration done (its value is the key's digest): Lambda function and ECS task definition tags. */
export const migrationDoneTag = (m: Metadata) => `glidepath:migration:${m.service}.${m.environment}`;
