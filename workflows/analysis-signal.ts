/** The signal an analysis child reports its measurements with (see analysis-reports.ts for how often). */
import { defineSignal } from '@temporalio/workflow';
import type { MeasurementRecord } from './status';

export const measurementsSignal = defineSignal<[{ name: string; records: MeasurementRecord[] }]>('measurements');
