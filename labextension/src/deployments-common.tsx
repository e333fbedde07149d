/**
 * Pieces shared by the Deployments tab's views: health and status badges,
 * the figures' formats and the colours of a version's lines.
 */
import React from 'react';

import type { EndpointHealth, EndpointInfo, VersionHealth } from './api';
import { versionSeriesClass } from './charts';
import { formatNumber, formatPercent, ISectionProps, Section } from './common';

/** How far back the health figures look, and the width of one point. */
export const HEALTH_WINDOW_S = 300;
export const HEALTH_STEP_S = 10;
/** Poll period while something on screen is changing (a switch, a launch). */
export const ACTIVE_POLL_MS = 2000;
/** Poll period of a launch that runs or waits for a decision. */
export const LAUNCH_POLL_MS = 1000;

/** Endpoint states that are about to change by themselves. */
export function isSettlingEndpoint(status: string): boolean {
  return status === 'pending' || status === 'deleting';
}

/** A section of an endpoint or launch page (`data-endpoint-section` = its name). */
export function DeploymentSection(props: ISectionProps): JSX.Element {
  return (
    <Section
      {...props}
      idPrefix="griffin-endpoint-section"
      attributes={{ 'data-endpoint-section': props.name }}
    />
  );
}

const HEALTH_CLASS: Record<string, string> = {
  ok: 'ok',
  warning: 'warning',
  critical: 'critical'
};

/**
 * An endpoint's health (`idle`, `ok`, `warning`, `critical`) as a coloured
 * dot and the word; the reasons in the tooltip.
 */
export function HealthStatusBadge(props: {
  status: string;
  reasons?: string[];
}): JSX.Element {
  const { status, reasons } = props;
  const why = (reasons ?? []).join('; ');
  const title =
    status === 'idle'
      ? 'No traffic in the last 5 minutes'
      : `Health: ${status}${why ? ` (${why})` : ''}`;
  return (
    <span
      className={`griffin-health-badge griffin-endpoint-health griffin-health-${
        HEALTH_CLASS[status] ?? 'unknown'
      }`}
      data-endpoint-health={status}
      title={title}
    >
      <span className="griffin-health-dot" aria-hidden="true" />
      {status}
    </span>
  );
}

const ENDPOINT_STATES = ['pending', 'ready', 'degraded', 'failed', 'deleting'];

/** `ready`, `pending`… coloured; a pulse while it is settling. */
export function EndpointStatusBadge(props: { status: string }): JSX.Element {
  const { status } = props;
  return (
    <span
      className={`griffin-badge griffin-state-badge griffin-endpoint-state-${
        ENDPOINT_STATES.includes(status) ? status : 'unknown'
      }`}
      data-endpoint-status={status}
    >
      {isSettlingEndpoint(status) ? (
        <span className="griffin-job-pulse" aria-hidden="true" />
      ) : null}
      {status}
    </span>
  );
}

const LAUNCH_STATES = [
  'running',
  'awaiting_approval',
  'succeeded',
  'blocked',
  'rejected',
  'rolled_back',
  'failed'
];

/** `awaiting_approval` → `awaiting approval`. */
export function launchStatusText(status: string): string {
  return status.replace(/_/g, ' ');
}

/** A launch's status, coloured by outcome; a pulse while it runs or waits. */
export function LaunchStatusBadge(props: { status: string }): JSX.Element {
  const { status } = props;
  const live = status === 'running' || status === 'awaiting_approval';
  return (
    <span
      className={`griffin-badge griffin-state-badge griffin-launch-state-${
        LAUNCH_STATES.includes(status) ? status : 'unknown'
      }`}
      data-launch-status={status}
    >
      {live ? <span className="griffin-job-pulse" aria-hidden="true" /> : null}
      {launchStatusText(status)}
    </span>
  );
}

/** `0.84 ms`, `12.3 ms`, `120 ms`, `1.2 s`; `—` without a value. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) {
    return '—';
  }
  if (ms >= 1000) {
    return `${(ms / 1000).toFixed(ms >= 10000 ? 0 : 1)} s`;
  }
  if (ms >= 100) {
    return `${Math.round(ms)} ms`;
  }
  return `${ms.toFixed(ms < 1 ? 2 : 1)} ms`;
}

/** Requests per second to one decimal: `23.4`. */
export function formatPerSecond(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined) {
    return '—';
  }
  return formatNumber(Math.round(perSecond * 10) / 10, 3);
}

/** The error rate; `0 %` when nothing failed. */
export function formatErrors(rate: number | null | undefined): string {
  return formatPercent(rate ?? null);
}

/** What serves live traffic now: the primary version's figures. */
export function primaryHealth(
  health: EndpointHealth | null | undefined
): VersionHealth | null {
  return health?.versions.find(v => v.role === 'primary') ?? null;
}

/** `v2 shadow`, `v2 split 10 %`, `v2 candidate`. */
export function candidateText(endpoint: EndpointInfo): string | null {
  if (endpoint.candidate_version === null) {
    return null;
  }
  const mode =
    endpoint.mode === 'split'
      ? `split ${formatPercent(endpoint.split)}`
      : endpoint.mode && endpoint.mode !== 'single'
        ? endpoint.mode
        : 'candidate';
  return `v${endpoint.candidate_version} ${mode}`;
}

/**
 * The colour of a version's lines and swatches: by its place among the
 * versions shown, so the charts and the versions table agree.
 */
export function versionColor(versions: number[], version: number): string {
  const sorted = Array.from(new Set(versions)).sort((a, b) => a - b);
  return versionSeriesClass(Math.max(0, sorted.indexOf(version)));
}

/** A version's line in the charts: `v2 primary`, `v2 shadow` (dashed). */
export function seriesId(version: number, role: string): string {
  return `v${version}-${role}`;
}
