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
