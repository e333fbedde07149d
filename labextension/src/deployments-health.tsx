/**
 * An endpoint's health: the reasons behind its status, four charts over the
 * window (requests/s, p99 latency, error rate, mean prediction; one line per
 * version and role, shadows dashed) and a table of each version's figures.
 */
import React from 'react';

import type { EndpointHealth } from './api';
import { ILineSeries, LineChart } from './charts';
import { ErrorBox, formatDuration, formatNumber, IShownError, Loading } from './common';
import {
  DeploymentSection,
  formatErrors,
  formatMs,
  seriesId,
  versionColor
} from './deployments-common';

type SeriesField = 'requests_per_s' | 'p99_ms' | 'error_rate' | 'mean_prediction';

const CHARTS: ReadonlyArray<{
  field: SeriesField;
  title: string;
  /** What the point's value is multiplied by for display (fractions as %). */
  scale?: number;
  /** The axis starts at 0 at the lowest. */
  floor?: number;
}> = [
  { field: 'requests_per_s', title: 'Requests/s', floor: 0 },
  { field: 'p99_ms', title: 'p99 latency (ms)', floor: 0 },
  { field: 'error_rate', title: 'Error rate (%)', scale: 100, floor: 0 },
  { field: 'mean_prediction', title: 'Mean prediction' }
];

function clock(date: Date, seconds: boolean): string {
  return date.toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
    hour12: false
  });
}

/** The x of a health point: minutes since the epoch (ticks fall on whole minutes). */
function minuteOf(iso: string): number {
  return new Date(iso).getTime() / 60000;
}

/**
 * Clock times: `14:05` on the ticks, `14:05:30` in the legend; ticks with
 * seconds too while the charts span less than a few minutes.
 */
function clockFormat(spanMinutes: number): (x: number, where: 'tick' | 'legend') => string {
  return (x, where) =>
    clock(new Date(x * 60000), where === 'legend' || spanMinutes < 3);
}

export function HealthSection(props: {
  health: EndpointHealth | null;
  error: IShownError | null;
}): JSX.Element {
  const { health, error } = props;
  // The step still being counted would read as a drop in traffic: the
  // charts end at the last complete one.
  const points = React.useMemo(() => {
    if (!health) {
      return [];
    }
    return health.series.filter(p => p.complete);
  }, [health]);
  const { series, span } = React.useMemo(() => {
    const out = new Map<SeriesField, ILineSeries[]>();
    const versions = points.map(p => p.version);
    const lines = new Map<string, { version: number; role: string }>();
    for (const p of points) {
      lines.set(seriesId(p.version, p.role), { version: p.version, role: p.role });
    }
    const ordered = Array.from(lines.entries()).sort(
      ([, a], [, b]) => a.version - b.version || a.role.localeCompare(b.role)
    );
    for (const { field, scale } of CHARTS) {
      out.set(
        field,
        ordered.map(([id, line]) => ({
          id,
          label: `v${line.version} ${line.role}`,
          points: points
            .filter(p => p.version === line.version && p.role === line.role)
            .map((p): [number, number] => [
              minuteOf(p.at),
              p[field] === null ? NaN : (p[field] as number) * (scale ?? 1)
            ]),
          colorClass: versionColor(versions, line.version),
          dashed: line.role === 'shadow'
        }))
      );
    }
    const xs = points.map(p => minuteOf(p.at));
    const span = xs.length > 0 ? Math.max(...xs) - Math.min(...xs) : 0;
    return { series: out, span };
  }, [points]);
  const formatX = React.useMemo(() => clockFormat(span), [span]);

  return (
    <DeploymentSection
      title="Health"
      name="health"
      extra={
        health ? (
          <span className="griffin-muted">
            last {formatDuration(health.window_s)}, {health.step_s}-s steps
          </span>
        ) : null
      }
    >
      {error ? <ErrorBox title="Could not load the health" error={error} /> : null}
      {health === null && !error ? <Loading label="Loading the health…" /> : null}
      {health && health.reasons && health.reasons.length > 0 ? (
        <ul
          className={`griffin-endpoint-reasons griffin-health-${
            health.status === 'critical' ? 'critical' : 'warning'
          }`}
          data-health-reasons
        >
          {health.reasons.map(reason => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      ) : null}
      {health && points.length === 0 ? (
        <p className="griffin-muted" data-health-empty>
          {health.series.length === 0
            ? `No requests in the last ${formatDuration(health.window_s)}: the charts fill in as traffic arrives.`
            : `The first ${health.step_s} seconds of traffic are still being counted.`}
        </p>
      ) : null}
      {health && points.length > 0 ? (
        <div className="griffin-health-charts">
          {CHARTS.map(({ field, title, floor }) => (
            <LineChart
              key={field}
              title={title}
              series={series.get(field) ?? []}
              height={110}
              attrs={{
                chart: 'data-health-chart',
                series: 'data-health-series',
                legend: 'data-health-legend'
              }}
              hover="recorded"
              formatX={formatX}
              yFloor={floor}
              className="griffin-health-chart"
              heading={<div className="griffin-health-chart-title">{title}</div>}
            />
          ))}
        </div>
      ) : null}
    </DeploymentSection>
  );
}

export function VersionsTable(props: { health: EndpointHealth | null }): JSX.Element | null {
  const { health } = props;
  if (!health || health.versions.length === 0) {
    return null;
  }
  const numbers = health.versions.map(v => v.version);
  const rows = [...health.versions].sort(
    (a, b) => a.version - b.version || a.role.localeCompare(b.role)
  );
  return (
    <DeploymentSection title="Versions" name="versions">
      <div className="griffin-table-wrap">
        <table className="griffin-table griffin-endpoint-versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col" className="griffin-num">
                req/s
              </th>
              <th scope="col" className="griffin-num" title="Latency percentiles, in ms">
                p50/p99
              </th>
              <th scope="col" className="griffin-num" title="Share of requests that failed (5xx)">
                Err.
              </th>
              <th scope="col" className="griffin-num" title="Population stability of the predictions against training">
                PSI
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(v => (
              <tr
                key={seriesId(v.version, v.role)}
                data-version-row={v.version}
                data-version-role={v.role}
              >
                <th scope="row">
                  <span className="griffin-endpoint-version">
                    <span
                      className={`griffin-swatch ${versionColor(numbers, v.version)}${
                        v.role === 'shadow' ? ' griffin-swatch-train' : ''
                      }`}
                      aria-hidden="true"
                    />
                    v{v.version}
                  </span>
                  <span className={`griffin-role griffin-role-${v.role}`}>{v.role}</span>
                </th>
                <td className="griffin-num" title={`${v.requests.toLocaleString()} requests`}>
                  {formatNumber(Math.round(v.requests_per_s * 10) / 10)}
                </td>
                <td
                  className="griffin-num"
                  title={`p50 ${formatMs(v.p50_ms)}, p99 ${formatMs(v.p99_ms)}`}
                >
                  {formatNumber(v.p50_ms, 2)}
                  <br />
                  {formatNumber(v.p99_ms, 3)}
                </td>
                <td
                  className="griffin-num"
                  title={`${v.errors} failed (5xx), ${v.rejected} refused (4xx)`}
                >
                  {formatErrors(v.error_rate)}
                </td>
                <td
                  className="griffin-num"
                  data-version-psi={v.psi ?? ''}
                  title={
                    v.psi === null || v.psi === undefined
                      ? 'No training baseline to compare with'
                      : `Mean prediction ${formatNumber(v.mean_prediction, 3)} (training ${formatNumber(v.baseline_mean, 3)})`
                  }
                >
                  {formatNumber(v.psi, 3)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </DeploymentSection>
  );
}
