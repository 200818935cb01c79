/**
 * Reading a run's history for `glidepath audit`: event kinds by name, event times, and payloads, failures and
 * summaries decoded with the client's data converter (so encrypted histories read as plain ones when the key is
 * configured, and name the missing key when it is not).
 */
import type { temporal } from '@temporalio/proto';
import { temporal as proto } from '@temporalio/proto';
import type { LoadedDataConverter } from '@temporalio/common';
import {
  decodeArrayFromPayloads,
  decodeOptionalFailureToOptionalError,
  decodeUserMetadata,
} from '@temporalio/common/lib/internal-non-workflow';
import { optionalTsToDate } from '@temporalio/common/lib/time';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payloads = temporal.api.common.v1.IPayloads;
type Failure = temporal.api.failure.v1.IFailure;

export const EventType = proto.api.enums.v1.EventType;

export interface Decoder {
  /** The values of a payload list (a signal's or an update's arguments, a result). */
  values(payloads: Payloads | null | undefined): Promise<unknown[]>;
  /** A failure's type and message. */
  failure(failure: Failure | null | undefined): Promise<{ type?: string; message: string } | undefined>;
  /** The summary an event carries (a timer's, an activity's, the run's own), if any. */
  summary(event: HistoryEvent): Promise<string | undefined>;
}

export function historyDecoder(converter: LoadedDataConverter): Decoder {
  return {
    values: (payloads) => decodeArrayFromPayloads(converter, payloads?.payloads),
    failure: async (failure) => {
      if (!failure) return undefined;
      const err = (await decodeOptionalFailureToOptionalError(converter, failure)) as (Error & { type?: string }) | undefined;
      return err ? { type: err.type ?? undefined, message: err.message } : undefined;
    },
    summary: async (event) => {
      if (!event.userMetadata) return undefined;
      const { staticSummary } = await decodeUserMetadata(converter, event.userMetadata);
      return typeof staticSummary === 'string' ? staticSummary : undefined;
    },
  };
}

export function eventTime(event: HistoryEvent): string {
  return optionalTsToDate(event.eventTime)?.toISOString() ?? '';
}

/** A search attribute an upsert event sets (they are stored as plain JSON, never through the codec). */
export function upsertedAttribute(event: HistoryEvent, name: string): unknown {
  const field = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[name];
  if (!field?.data) return undefined;
  try {
    return JSON.parse(Buffer.from(field.data).toString('utf8'));
  } catch {
    return undefined;
  }
}
