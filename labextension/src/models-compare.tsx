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
import { ILineSeries, LineChart, versionSeriesClass } from './charts';
import {
  BackToList,
  ErrorBox,
  formatNumber,
  Loading,
  useRequest
} from './common';
import type { ModelsModel } from './models';
import { ModelSection } from './models-page';

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
                    className={`griffin-swatch ${versionSeriesClass(index)}`}
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
                      className={`griffin-swatch ${versionSeriesClass(i)}`}
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

/** One metric's curves as a line per version (in the versions' colours). */
function versionSeries(curves: Curve[], versions: number[]): ILineSeries[] {
  return versions
    .map((version, index) => {
      const curve = curves.find(c => c.version === version);
      const points: Array<[number, number]> = curve
        ? curve.steps
            .map((s, i): [number, number] => [s, curve.values[i]])
            .filter(p => Number.isFinite(p[1]))
        : [];
      return {
        id: String(version),
        label: `v${version}`,
        points,
        colorClass: versionSeriesClass(index)
      };
    })
    .filter(s => s.points.length > 0);
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
            <LineChart
              key={name}
              title={name}
              series={versionSeries(byName.get(name) ?? [], versions)}
              height={140}
              attrs={{
                chart: 'data-compare-chart',
                series: 'data-compare-series',
                legend: 'data-legend-version'
              }}
              hover="latest"
              final="final"
              className="griffin-compare-chart"
              heading={
                <div className="griffin-compare-chart-title">
                  <code>{name}</code>
                </div>
              }
            />
          ))}
        </>
      )}
    </ModelSection>
  );
}
