/**
 * Versions of one model side by side: metrics (the best highlighted),
 * parameters that differ, feature inputs that differ, and the training
 * curves as one chart per metric with a line per version.
 */
import React from 'react';

import {
  compareModelVersions,
  Comparison,
  Curve,
  fetchModel,
  ModelDetail
} from './api';
import {
  BackToList,
  ErrorBox,
  formatNumber,
  Loading,
  useRequest
} from './common';
import type { ModelsModel } from './models';
import { ModelSection } from './models-page';

/** Distinct line colours; versions beyond that reuse them dashed. */
const SERIES_COLORS = 6;

function seriesClass(index: number): string {
  const dashed = Math.floor(index / SERIES_COLORS) % 2 === 1;
  return `griffin-model-series-${index % SERIES_COLORS}${
    dashed ? ' griffin-model-series-dashed' : ''
  }`;
}

export function ModelCompare(props: {
  name: string;
  versions: number[];
  model: ModelsModel;
}): JSX.Element {
  const { name, versions, model } = props;
  const comparison = useRequest<Comparison>(
    () => compareModelVersions(name, versions),
    `${name}#${versions.join(',')}`
  );
  const detail = useRequest<ModelDetail>(() => fetchModel(name), name);
  const heading = React.useRef<HTMLHeadingElement>(null);
  React.useEffect(() => {
    heading.current?.focus();
  }, []);

  const all = (detail.data?.versions ?? [])
    .map(v => v.version)
    .sort((a, b) => a - b);
  const toggle = (version: number): void => {
    const next = versions.includes(version)
      ? versions.filter(v => v !== version)
      : [...versions, version];
    if (next.length >= 2) {
      model.openCompare(name, next);
    }
  };

  const data = comparison.data;
  return (
    <div
      className="griffin-detail griffin-model-compare"
      data-griffin-view="model-compare"
      data-model-name={name}
      data-compare-versions={versions.join(',')}
      aria-busy={comparison.loading}
    >
      <BackToList label={name} onClick={() => model.back()} />
      <div className="griffin-detail-head">
        <h3 className="griffin-detail-title" tabIndex={-1} ref={heading}>
          Compare {versions.map(v => `v${v}`).join(' · ')}
        </h3>
      </div>
      <div className="griffin-muted griffin-compare-model">{name}</div>
      {all.length > 0 ? (
        <div
          className="griffin-segments griffin-compare-picker"
          role="group"
          aria-label="Versions to compare (at least two)"
        >
          {all.map(v => {
            const on = versions.includes(v);
            const index = versions.indexOf(v);
            return (
              <button
                key={v}
                type="button"
                className={`griffin-segment${on ? ' griffin-mod-selected' : ''}`}
                aria-pressed={on}
                data-compare-toggle={v}
                disabled={on && versions.length <= 2}
                title={
                  on && versions.length <= 2
                    ? 'A comparison needs two versions at least'
                    : on
                      ? `Leave v${v} out`
                      : `Add v${v}`
                }
                onClick={() => toggle(v)}
              >
                {on ? (
                  <span
                    className={`griffin-swatch ${seriesClass(index)}`}
                    aria-hidden="true"
                  />
                ) : null}
                v{v}
              </button>
            );
          })}
        </div>
      ) : null}
      {comparison.error ? (
        <ErrorBox title="Could not compare these versions" error={comparison.error} />
      ) : null}
      {data === null && !comparison.error ? (
        <Loading label="Comparing versions…" />
      ) : null}
      {data ? (
        <>
          <MetricsTable data={data} />
          <CurvesSection data={data} />
          <ParamsTable data={data} />
          <FeaturesDiff data={data} />
        </>
      ) : null}
    </div>
  );
}

function versionOrder(data: Comparison): number[] {
  return data.versions.map(v => v.version);
}

function MetricsTable(props: { data: Comparison }): JSX.Element {
  const { data } = props;
  const versions = versionOrder(data);
  return (
    <ModelSection title="Metrics" name="compare-metrics">
      {data.metrics.length === 0 ? (
        <p className="griffin-muted">These versions recorded no numeric metrics.</p>
      ) : (
        <div className="griffin-table-wrap">
          <table className="griffin-table griffin-compare-table" data-compare-metrics>
            <thead>
              <tr>
                <th scope="col">metric</th>
                {versions.map((v, i) => (
                  <th key={v} scope="col" className="griffin-num">
                    <span
                      className={`griffin-swatch ${seriesClass(i)}`}
                      aria-hidden="true"
                    />{' '}
                    v{v}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.metrics.map(row => (
                <tr key={row.name} data-compare-metric={row.name}>
                  <th scope="row">
                    <code>{row.name}</code>
                  </th>
                  {versions.map(v => {
                    const value = row.values[String(v)];
                    const best = row.best === v;
                    return (
                      <td
                        key={v}
                        className={`griffin-num${best ? ' griffin-compare-best' : ''}`}
                        data-version={v}
                        data-best={best ? 'true' : undefined}
                        title={
                          value === null || value === undefined
                            ? 'not recorded'
                            : `${value}${best ? ' (best)' : ''}`
                        }
                      >
                        {value === null || value === undefined
                          ? '—'
                          : formatNumber(value, 4)}
                        {best ? (
                          <span className="griffin-compare-star" aria-label="best">
                            {' '}
                            ★
                          </span>
                        ) : null}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="griffin-hint">
        ★ best value, where the metric's direction is known (higher AUC,
        lower loss).
      </p>
    </ModelSection>
  );
}

function formatParam(value: unknown): string {
  if (value === null || value === undefined) {
    return '—';
  }
  if (typeof value === 'number') {
    return formatNumber(value, 4);
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function ParamsTable(props: { data: Comparison }): JSX.Element {
  const { data } = props;
  const versions = versionOrder(data);
  const [showAll, setShowAll] = React.useState(false);
  const differing = data.params.filter(p => p.differs);
  const rows = showAll ? data.params : differing;
  return (
    <ModelSection
      title={`Parameters (${differing.length} differ)`}
      name="compare-params"
      extra={
        data.params.length > differing.length ? (
          <button
            type="button"
            className="griffin-link-button"
            data-griffin-action="toggle-params"
            aria-pressed={showAll}
            onClick={() => setShowAll(!showAll)}
          >
            {showAll ? 'Only differences' : `All ${data.params.length}`}
          </button>
        ) : null
      }
    >
      {rows.length === 0 ? (
        <p className="griffin-muted" data-compare-params-same>
          {data.params.length === 0
            ? 'No parameters recorded.'
            : `All ${data.params.length} parameters are the same.`}
        </p>
      ) : (
        <div className="griffin-table-wrap">
          <table className="griffin-table griffin-compare-table" data-compare-params>
            <thead>
              <tr>
                <th scope="col">param</th>
                {versions.map(v => (
                  <th key={v} scope="col" className="griffin-num">
                    v{v}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map(row => (
                <tr
                  key={row.name}
                  data-compare-param={row.name}
                  className={row.differs ? 'griffin-compare-differs' : undefined}
                >
                  <th scope="row">
                    <code>{row.name}</code>
                  </th>
                  {versions.map(v => (
                    <td key={v} className="griffin-num">
                      {formatParam(row.values[String(v)])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </ModelSection>
  );
}

function FeaturesDiff(props: { data: Comparison }): JSX.Element {
  const { data } = props;
  const versions = versionOrder(data);
  const common = new Set(data.common_features);
  const extra = versions.map(v => ({
    version: v,
    only: (data.features[String(v)] ?? []).filter(f => !common.has(f))
  }));
  const differ = extra.some(e => e.only.length > 0);
  return (
    <ModelSection title="Feature inputs" name="compare-features">
      <p className="griffin-muted" data-compare-common={data.common_features.length}>
        {data.common_features.length} input
        {data.common_features.length === 1 ? '' : 's'} common to all
        {differ ? '' : ': every version uses the same inputs'}.
      </p>
      {differ ? (
        <ul className="griffin-compare-features">
          {extra.map(e => (
            <li key={e.version} data-compare-features={e.version}>
              <span className="griffin-card-title">v{e.version}</span>{' '}
              {e.only.length === 0 ? (
                <span className="griffin-muted">nothing else</span>
              ) : (
                <span className="griffin-chips">
                  {e.only.map(f => (
                    <code key={f} className="griffin-chip griffin-chip-added">
                      +{f}
                    </code>
                  ))}
                </span>
              )}
            </li>
          ))}
        </ul>
      ) : null}
      {data.common_features.length > 0 ? (
        <details className="griffin-sample">
          <summary>Common inputs</summary>
          <span className="griffin-chips">
            {data.common_features.map(f => (
              <code key={f} className="griffin-chip">
                {f}
              </code>
            ))}
          </span>
        </details>
      ) : null}
    </ModelSection>
  );
}

/* ------------------------------------------------------------------ */
/* Training curves                                                    */
/* ------------------------------------------------------------------ */

function curveRank(name: string): number {
  if (/^(valid|validation|val|eval|test)_/.test(name)) {
    return 0;
  }
  if (/^(train|training)_/.test(name)) {
    return 2;
  }
  return 1;
}

function CurvesSection(props: { data: Comparison }): JSX.Element {
  const { data } = props;
  const versions = versionOrder(data);
  const byName = new Map<string, Curve[]>();
  for (const curve of data.curves) {
    byName.set(curve.name, [...(byName.get(curve.name) ?? []), curve]);
  }
  const names = Array.from(byName.keys()).sort(
    (a, b) => curveRank(a) - curveRank(b) || a.localeCompare(b)
  );
  const withCurves = new Set(data.curves.map(c => c.version));
  const without = versions.filter(v => !withCurves.has(v));
  return (
    <ModelSection title="Training curves" name="compare-curves">
      {names.length === 0 ? (
        <p className="griffin-muted" data-compare-no-curves>
          No training curves: these versions were not trained by a Griffin
          training job (imported, demo or registered from a file), or their
          job recorded no per-step metrics.
        </p>
      ) : (
        <>
          {without.length > 0 ? (
            <p className="griffin-hint">
              No curves for {without.map(v => `v${v}`).join(', ')}.
            </p>
          ) : null}
          {names.map(name => (
            <CurveChart
              key={name}
              name={name}
              curves={byName.get(name) ?? []}
              versions={versions}
            />
          ))}
        </>
      )}
    </ModelSection>
  );
}

/** The width of an element, kept up to date. */
function useWidth(ref: React.RefObject<HTMLElement>, initial: number): number {
  const [width, setWidth] = React.useState(initial);
  React.useLayoutEffect(() => {
    const node = ref.current;
    if (!node) {
      return;
    }
    const measure = (): void => {
      const w = Math.floor(node.getBoundingClientRect().width);
      if (w > 0) {
        setWidth(w);
      }
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(node);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

function niceTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) {
    return [min];
  }
  const raw = (max - min) / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map(m => m * power).find(s => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return out;
}

const HEIGHT = 140;
const PAD = { left: 44, right: 10, top: 8, bottom: 20 };

/** One metric's curves: a line per version, values under the pointer below. */
function CurveChart(props: {
  name: string;
  curves: Curve[];
  versions: number[];
}): JSX.Element {
  const { name, curves, versions } = props;
  const box = React.useRef<HTMLDivElement>(null);
  const width = Math.max(160, useWidth(box, 260));
  const [hover, setHover] = React.useState<number | null>(null);

  const series = versions
    .map((version, index) => {
      const curve = curves.find(c => c.version === version);
      const points: Array<[number, number]> = curve
        ? curve.steps
            .map((s, i): [number, number] => [s, curve.values[i]])
            .filter(p => Number.isFinite(p[1]))
        : [];
      return { version, index, points };
    })
    .filter(s => s.points.length > 0);

  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const s of series) {
    for (const [x, y] of s.points) {
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  if (!Number.isFinite(x0)) {
    x0 = 0;
    x1 = 1;
    y0 = 0;
    y1 = 1;
  }
  const pad = y1 > y0 ? (y1 - y0) * 0.05 : Math.abs(y0) * 0.05 || 0.5;
  y0 -= pad;
  y1 += pad;
  const plotW = width - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const sx = (x: number): number =>
    PAD.left + (x1 > x0 ? ((x - x0) / (x1 - x0)) * plotW : plotW / 2);
  const sy = (y: number): number => PAD.top + (1 - (y - y0) / (y1 - y0)) * plotH;
  const yTicks = niceTicks(y0, y1, 3).filter(v => v >= y0 && v <= y1);
  const xTicks = [
    x0,
    ...niceTicks(x0, x1, Math.max(2, Math.floor(plotW / 60))).filter(
      v =>
        Number.isInteger(v) &&
        Math.abs(sx(v) - sx(x0)) > 28 &&
        Math.abs(sx(v) - sx(x1)) > 28
    ),
    ...(x1 > x0 ? [x1] : [])
  ];

  const valueAt = (points: Array<[number, number]>, step: number | null): number | null => {
    if (points.length === 0) {
      return null;
    }
    if (step === null) {
      return points[points.length - 1][1];
    }
    // The last point at or before the step.
    let found: number | null = null;
    for (const [x, y] of points) {
      if (x <= step) {
        found = y;
      }
    }
    return found;
  };

  const onMove = (event: React.MouseEvent<SVGSVGElement>): void => {
    const rect = event.currentTarget.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const step = x0 + ((x - PAD.left) / plotW) * (x1 - x0);
    setHover(Math.max(x0, Math.min(x1, Math.round(step))));
  };

  const label = `${name} by step: ${series
    .map(s => `v${s.version} ${formatNumber(valueAt(s.points, null), 4)}`)
    .join(', ')}`;
  return (
    <div className="griffin-line-chart griffin-compare-chart" ref={box}>
      <div className="griffin-compare-chart-title">
        <code>{name}</code>
      </div>
      <svg
        className="griffin-chart"
        data-compare-chart={name}
        role="img"
        aria-label={label}
        width={width}
        height={HEIGHT}
        onMouseMove={onMove}
        onMouseLeave={() => setHover(null)}
      >
        {yTicks.map(v => (
          <g key={`y${v}`}>
            <line
              className="griffin-chart-grid"
              x1={PAD.left}
              x2={width - PAD.right}
              y1={sy(v)}
              y2={sy(v)}
            />
            <text
              className="griffin-chart-label"
              x={PAD.left - 4}
              y={sy(v)}
              textAnchor="end"
              dominantBaseline="central"
            >
              {formatNumber(v, 3)}
            </text>
          </g>
        ))}
        <line
          className="griffin-chart-axis"
          x1={PAD.left}
          x2={width - PAD.right}
          y1={PAD.top + plotH + 0.5}
          y2={PAD.top + plotH + 0.5}
        />
        {xTicks.map(v => (
          <text
            key={`x${v}`}
            className="griffin-chart-label"
            x={sx(v)}
            y={HEIGHT - 4}
            textAnchor="middle"
          >
            {v}
          </text>
        ))}
        {series.map(s =>
          s.points.length === 1 ? (
            <circle
              key={s.version}
              className={`griffin-chart-dot ${seriesClass(s.index)}`}
              data-compare-series={s.version}
              cx={sx(s.points[0][0])}
              cy={sy(s.points[0][1])}
              r={3}
            />
          ) : (
            <polyline
              key={s.version}
              className={`griffin-chart-line ${seriesClass(s.index)}`}
              data-compare-series={s.version}
              points={s.points
                .map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
                .join(' ')}
            />
          )
        )}
        {hover !== null ? (
          <line
            className="griffin-chart-cursor"
            x1={sx(hover)}
            x2={sx(hover)}
            y1={PAD.top}
            y2={PAD.top + plotH}
          />
        ) : null}
      </svg>
      <ul className="griffin-chart-legend" aria-hidden="true">
        <li className="griffin-muted">{hover !== null ? `step ${hover}` : 'final'}</li>
        {series.map(s => (
          <li key={s.version} data-legend-version={s.version}>
            <span className={`griffin-swatch ${seriesClass(s.index)}`} />
            <code>v{s.version}</code>
            <span className="griffin-legend-value">
              {formatNumber(valueAt(s.points, hover), 4)}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
