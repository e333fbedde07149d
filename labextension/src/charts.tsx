/**
 * Small inline-SVG charts drawn with React (no chart library). Colours come
 * from JupyterLab's CSS variables (see `.griffin-chart-*` in base.css).
 */
import React from 'react';

import type { Histogram } from './api';
import { formatNumber } from './common';

const BAR_HEIGHT = 48;
const ROW_HEIGHT = 16;
const MAX_LABEL_CHARS = 14;

function binLabel(histogram: Histogram, index: number): string {
  const edges = histogram.edges ?? [];
  const labels = histogram.labels ?? [];
  if (labels.length > index) {
    return labels[index];
  }
  if (edges.length > index + 1) {
    const close = index === edges.length - 2 ? ']' : ')';
    return `[${formatNumber(edges[index])}, ${formatNumber(edges[index + 1])}${close}`;
  }
  return `bin ${index + 1}`;
}

function truncate(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}

/** True when the histogram has one label per bar (categorical or boolean). */
export function isCategorical(histogram: Histogram): boolean {
  const labels = histogram.labels ?? [];
  return labels.length > 0 && labels.length === histogram.counts.length;
}

/**
 * A histogram as bars: vertical bins for numeric features (with the first
 * and last edge below), one labelled row per value for categorical ones.
 * Each bar is one `<rect>` whose `<title>` tells its range and count.
 */
export function HistogramChart(props: {
  feature: string;
  histogram: Histogram;
}): JSX.Element {
  const { feature, histogram } = props;
  const counts = histogram.counts ?? [];
  const total = counts.reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...counts);
  const label = `Distribution of ${feature}: ${counts.length} ${
    isCategorical(histogram) ? 'values' : 'bins'
  }, ${total.toLocaleString()} non-null rows`;

  if (counts.length === 0) {
    return (
      <div className="griffin-chart-empty" data-feature-chart-empty={feature}>
        No values to chart.
      </div>
    );
  }

  if (isCategorical(histogram)) {
    const height = counts.length * ROW_HEIGHT;
    return (
      <svg
        className="griffin-chart griffin-chart-categorical"
        data-feature-chart={feature}
        role="img"
        aria-label={label}
        width="100%"
        height={height}
      >
        {counts.map((count, i) => {
          const text = binLabel(histogram, i);
          const y = i * ROW_HEIGHT;
          return (
            <g key={i}>
              <text
                className="griffin-chart-label"
                x="0"
                y={y + ROW_HEIGHT / 2}
                dominantBaseline="central"
              >
                {truncate(text, MAX_LABEL_CHARS)}
              </text>
              <rect
                className="griffin-chart-bar"
                x="42%"
                y={y + 3}
                width={`${(58 * count) / max}%`}
                height={ROW_HEIGHT - 6}
              >
                <title>{`${text}: ${count.toLocaleString()}`}</title>
              </rect>
            </g>
          );
        })}
      </svg>
    );
  }

  const step = 100 / counts.length;
  const gap = Math.min(0.6, step * 0.15);
  const edges = histogram.edges ?? [];
  return (
    <div className="griffin-chart-box">
      <svg
        className="griffin-chart griffin-chart-numeric"
        data-feature-chart={feature}
        role="img"
        aria-label={label}
        width="100%"
        height={BAR_HEIGHT + 1}
      >
        {counts.map((count, i) => {
          // Non-empty bins get at least one pixel so they stay visible.
          const h = count > 0 ? Math.max(1, (BAR_HEIGHT * count) / max) : 0;
          return (
            <rect
              key={i}
              className="griffin-chart-bar"
              x={`${i * step + gap}%`}
              y={BAR_HEIGHT - h}
              width={`${step - 2 * gap}%`}
              height={h}
            >
              <title>{`${binLabel(histogram, i)}: ${count.toLocaleString()}`}</title>
            </rect>
          );
        })}
        <line
          className="griffin-chart-axis"
          x1="0"
          x2="100%"
          y1={BAR_HEIGHT + 0.5}
          y2={BAR_HEIGHT + 0.5}
        />
      </svg>
      {edges.length >= 2 ? (
        <div className="griffin-chart-edges" aria-hidden="true">
          <span>{formatNumber(edges[0])}</span>
          <span>{formatNumber(edges[edges.length - 1])}</span>
        </div>
      ) : null}
    </div>
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

/** About `count` round tick values from `min` to `max`. */
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

/** Distinct colours for model versions; versions beyond that reuse them dashed. */
const VERSION_COLORS = 6;

/** The colour class of the `index`-th compared version (lines and swatches). */
export function versionSeriesClass(index: number): string {
  const dashed = Math.floor(index / VERSION_COLORS) % 2 === 1;
  return `griffin-model-series-${index % VERSION_COLORS}${
    dashed ? ' griffin-model-series-dashed' : ''
  }`;
}

/** The colour class of the `index`-th metric of a training job. */
export function metricSeriesClass(index: number): string {
  return `griffin-series-${index % 4}`;
}

/** One line of a `LineChart`. */
export interface ILineSeries {
  /** The series' React key and the value of its data attributes. */
  id: string;
  /** Its name in the legend and the aria-label. */
  label: string;
  /** [step, value], by step; non-finite values are left out of the line. */
  points: Array<[number, number]>;
  /** Its colour class (see `metricSeriesClass`, `versionSeriesClass`). */
  colorClass: string;
  /** Drawn dashed, with a dashed swatch (training-split curves). */
  dashed?: boolean;
}

const PAD = { left: 44, right: 10, top: 8, bottom: 20 };

/**
 * Curves by step: one `<polyline>` per series (a dot when it has a single
 * point), round ticks, and below it a legend with each series' value at the
 * step under the pointer, or its last value while the pointer is away.
 */
export function LineChart(props: {
  /** What is charted: in the aria-label and the `attrs.chart` attribute. */
  title: string;
  series: ILineSeries[];
  height: number;
  /**
   * Names of the data attributes set on the svg (to `title`), and on each
   * line and legend item (to the series id).
   */
  attrs: { chart: string; series: string; legend: string };
  /**
   * `recorded`: the pointer snaps to the nearest step a series recorded, and
   * each series shows its value at exactly that step, marked on the cursor.
   * `latest`: the pointer snaps to a whole step, and each series shows its
   * latest value at or before it (series recorded at different steps).
   */
  hover: 'recorded' | 'latest';
  /**
   * The legend's heading while the pointer is away (e.g. `final`, where the
   * series end at different steps). By default the last step, which the
   * aria-label then names too.
   */
  final?: string;
  /**
   * How an x value reads on a tick (`tick`) and in the legend's heading and
   * the aria-label (`legend`); by default the step number (`step 12`).
   */
  formatX?: (x: number, where: 'tick' | 'legend') => string;
  /** The y axis never reaches below this (e.g. 0 for rates and latencies). */
  yFloor?: number;
  /** Classes added to the chart's box. */
  className?: string;
  /** Shown above the chart, inside its box. */
  heading?: React.ReactNode;
}): JSX.Element {
  const { title, series, height, attrs, hover: hoverMode, final, formatX } = props;
  const xText = (x: number): string =>
    formatX ? formatX(x, 'legend') : `step ${x}`;
  const box = React.useRef<HTMLDivElement>(null);
  const width = Math.max(160, useWidth(box, 260));
  const [hover, setHover] = React.useState<number | null>(null);

  const steps = React.useMemo(() => {
    const unique = new Set<number>();
    for (const s of series) {
      for (const p of s.points) {
        unique.add(p[0]);
      }
    }
    return Array.from(unique).sort((a, b) => a - b);
  }, [series]);
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const s of series) {
    for (const p of s.points) {
      if (Number.isFinite(p[1])) {
        y0 = Math.min(y0, p[1]);
        y1 = Math.max(y1, p[1]);
      }
    }
  }
  if (!Number.isFinite(y0)) {
    y0 = 0;
    y1 = 1;
  }
  const x0 = steps[0] ?? 0;
  const x1 = steps[steps.length - 1] ?? 1;
  const pad = y1 > y0 ? (y1 - y0) * 0.05 : Math.abs(y0) * 0.05 || 0.5;
  y0 -= pad;
  y1 += pad;
  if (props.yFloor !== undefined && y0 < props.yFloor) {
    // Flat at the floor: keep the same height of axis above it.
    y1 = Math.max(y1, props.yFloor + (y1 - y0) / 2);
    y0 = props.yFloor;
  }
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const sx = (step: number): number =>
    PAD.left + (x1 > x0 ? ((step - x0) / (x1 - x0)) * plotW : plotW / 2);
  const sy = (value: number): number =>
    PAD.top + (1 - (value - y0) / (y1 - y0)) * plotH;

  const yTicks = niceTicks(y0, y1, 3).filter(v => v >= y0 && v <= y1);
  // The first and last step, and round steps between that leave room for them.
  // Formatted labels (e.g. clock times) are wider: the last one ends at the
  // plot's right edge instead of being centred there, and the round steps
  // keep clear of both by their (estimated) widths.
  const tickText = (v: number): string =>
    formatX ? formatX(v, 'tick') : String(v);
  const labelWidth = (v: number): number => tickText(v).length * 6.2;
  const clear = (v: number): boolean =>
    formatX
      ? sx(v) - labelWidth(v) / 2 > sx(x0) + labelWidth(x0) / 2 + 4 &&
        sx(v) + labelWidth(v) / 2 < sx(x1) - labelWidth(x1) - 4
      : Math.abs(sx(v) - sx(x0)) > 28 && Math.abs(sx(v) - sx(x1)) > 28;
  const xTicks = [
    x0,
    ...niceTicks(x0, x1, Math.max(2, Math.floor(plotW / 60))).filter(
      v => Number.isInteger(v) && clear(v)
    ),
    ...(x1 > x0 ? [x1] : [])
  ];
  const lastAtEnd = formatX !== undefined && x1 > x0;

  const onMove = (event: React.MouseEvent<SVGSVGElement>): void => {
    if (steps.length === 0) {
      return;
    }
    const rect = event.currentTarget.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const step = x0 + ((x - PAD.left) / plotW) * (x1 - x0);
    if (hoverMode === 'latest') {
      setHover(Math.max(x0, Math.min(x1, Math.round(step))));
      return;
    }
    // The recorded step nearest the pointer.
    let nearest = steps[0];
    for (const s of steps) {
      if (Math.abs(s - step) < Math.abs(nearest - step)) {
        nearest = s;
      }
    }
    setHover(nearest);
  };

  const valueAt = (s: ILineSeries, step: number | null): number | null => {
    if (s.points.length === 0) {
      return null;
    }
    if (step === null) {
      return s.points[s.points.length - 1][1];
    }
    if (hoverMode === 'recorded') {
      const found = s.points.find(p => p[0] === step);
      return found ? found[1] : null;
    }
    // The last point at or before the step.
    let found: number | null = null;
    for (const [x, y] of s.points) {
      if (x <= step) {
        found = y;
      }
    }
    return found;
  };
  const label = `${title}${formatX ? '' : ' by step'}: ${series
    .map(s => `${s.label} ${formatNumber(valueAt(s, null), 4)}`)
    .join(', ')}${final === undefined ? ` at ${xText(x1)}` : ''}`;

  return (
    <div
      className={`griffin-line-chart${props.className ? ` ${props.className}` : ''}`}
      ref={box}
    >
      {props.heading}
      <svg
        className="griffin-chart"
        {...{ [attrs.chart]: title }}
        role="img"
        aria-label={label}
        width={width}
        height={height}
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
            x={lastAtEnd && v === x1 ? width - 1 : sx(v)}
            y={height - 4}
            textAnchor={lastAtEnd && v === x1 ? 'end' : 'middle'}
          >
            {tickText(v)}
          </text>
        ))}
        {series.map(s => {
          const finite = s.points.filter(p => Number.isFinite(p[1]));
          const data = { [attrs.series]: s.id };
          if (finite.length === 1) {
            return (
              <circle
                key={s.id}
                className={`griffin-chart-dot ${s.colorClass}`}
                {...data}
                cx={sx(finite[0][0])}
                cy={sy(finite[0][1])}
                r={3}
              />
            );
          }
          return (
            <polyline
              key={s.id}
              className={`griffin-chart-line ${s.colorClass}${
                s.dashed ? ' griffin-chart-line-train' : ''
              }`}
              {...data}
              points={finite
                .map(p => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`)
                .join(' ')}
            />
          );
        })}
        {hover !== null ? (
          <g className="griffin-chart-hover">
            <line
              className="griffin-chart-cursor"
              x1={sx(hover)}
              x2={sx(hover)}
              y1={PAD.top}
              y2={PAD.top + plotH}
            />
            {hoverMode === 'recorded'
              ? series.map(s => {
                  const v = valueAt(s, hover);
                  return v === null || !Number.isFinite(v) ? null : (
                    <circle
                      key={s.id}
                      className={`griffin-chart-dot ${s.colorClass}`}
                      cx={sx(hover)}
                      cy={sy(v)}
                      r={3}
                    />
                  );
                })
              : null}
          </g>
        ) : null}
      </svg>
      <ul className="griffin-chart-legend" aria-hidden="true">
        <li className="griffin-muted">
          {hover !== null ? xText(hover) : final ?? xText(x1)}
        </li>
        {series.map(s => (
          <li key={s.id} {...{ [attrs.legend]: s.id }}>
            <span
              className={`griffin-swatch ${s.colorClass}${
                s.dashed ? ' griffin-swatch-train' : ''
              }`}
            />
            <code>{s.label}</code>
            <span className="griffin-legend-value">
              {formatNumber(valueAt(s, hover), 4)}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
