/**
 * Container image references, checked the same way for ECS task definitions, Kubernetes Deployments and
 * migration Jobs: the grammar registries and container runtimes accept (`[registry[:port]/]path[:tag][@digest]`),
 * so a reference that would fail to pull is refused before anything starts. Pure: imported by workflow code.
 */
import { z } from 'zod';

const DOMAIN_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
/** A registry: has a dot or a port, or is localhost; `[::1]:5000` too. */
const REGISTRY = `(?:(?:${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})+|localhost|\\[[0-9A-Fa-f:]+\\])(?::[0-9]{1,5})?|${DOMAIN_LABEL}:[0-9]{1,5})`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(?:${REGISTRY}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);
const MAX_NAME = 255;

const EXAMPLE = 'such as "registry.example.com/payments/api:1.4.2" or "…/api@sha256:<64 hex>"';

/** Why `image` is not a reference a registry would serve, or undefined when it is one. */
export function imageReferenceProblem(image: string): string | undefined {
  if (image.length <= 2 * MAX_NAME && REFERENCE.test(image) && image.split(/[:@]/)[0].length <= MAX_NAME) return undefined;
  const cause = /\s/.test(image)
    ? 'it contains a space'
    : /^[a-z]+:\/\//i.test(image)
      ? 'drop the scheme ("https://"): a reference starts with the registry'
      : /[A-Z]/.test(image.replace(/^[^/]*\//, '').split(/[:@]/)[0])
        ? 'repository paths are lowercase'
        : image.endsWith(':') || image.endsWith('@')
          ? 'the tag or digest after the last ":" or "@" is empty'
          : 'it does not follow [registry[:port]/]path[:tag][@digest]';
  return `image must be an image reference ${EXAMPLE}; ${cause}`;
}

export const ImageReference = z
  .string()
  .min(1, `image must be an image reference ${EXAMPLE}`)
  .superRefine((image, ctx) => {
    const problem = imageReferenceProblem(image);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
