/**
 * Typed search attributes: they make every run filterable in the Web UI and from CI, e.g.
 *   DeployService="payments" AND DeployEnvironment="prod" AND DeployPhase="AwaitingApproval"
 * The dev server registers them from `SEARCH_ATTRIBUTE_FLAGS`; a self-hosted server with
 * `temporal operator search-attribute create` (see docker-compose.yml).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const DeployService = defineSearchAttributeKey('DeployService', SearchAttributeType.KEYWORD);
export const DeployEnvironment = defineSearchAttributeKey('DeployEnvironment', SearchAttributeType.KEYWORD);
export const DeployRelease = defineSearchAttributeKey('DeployRelease', SearchAttributeType.KEYWORD);
export const DeployStrategy = defineSearchAttributeKey('DeployStrategy', SearchAttributeType.KEYWORD);
export const DeployTarget = defineSearchAttributeKey('DeployTarget', SearchAttributeType.KEYWORD);
export const DeployPhase = defineSearchAttributeKey('DeployPhase', SearchAttributeType.KEYWORD);
export const DeployWeight = defineSearchAttributeKey('DeployWeight', SearchAttributeType.INT);
/** Releases: the system released, on the release and on every deployment it runs. */
export const DeploySystem = defineSearchAttributeKey('DeploySystem', SearchAttributeType.KEYWORD);
/** Releases: `<system>@<version>`, on the release and its deployments: one query lists every target of a release. */
export const DeployReleaseId = defineSearchAttributeKey('DeployReleaseId', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [
  DeployService,
  DeployEnvironment,
  DeployRelease,
  DeployStrategy,
  DeployTarget,
  DeployPhase,
  DeployWeight,
  DeploySystem,
  DeployReleaseId,
];

/** As `temporal server start-dev --search-attribute` and `temporal operator search-attribute create` spell them. */
export const SEARCH_ATTRIBUTE_FLAGS = SEARCH_ATTRIBUTES.map(
  (key) => `${key.name}=${key.type === SearchAttributeType.INT ? 'Int' : 'Keyword'}`,
);
