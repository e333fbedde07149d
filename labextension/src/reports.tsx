/**
 * Validation reports and rules, shown by the feature view detail and by the
 * new-source form.
 */
import React from 'react';

import type { RuleFailure, ValidationReport } from './api';
import { formatNumber, formatValue, Time } from './common';

const STAGE_LABELS: Record<string, string> = {
  validate: 'Manual check',
  add_source: 'Add source',
  dry_run: 'Preview',
  materialize: 'Materialize'
};

export function stageLabel(stage: string): string {
  const words = stage.replace(/_/g, ' ');
  return STAGE_LABELS[stage] ?? words.charAt(0).toUpperCase() + words.slice(1);
}

function num(value: unknown): string | null {
  return value === null || value === undefined || value === ''
    ? null
    : formatNumber(value, 6);
}

function list(value: unknown): string {
  return Array.isArray(value) ? value.map(formatValue).join(', ') : '';
}

/** A rule as sent by the server (`{kind, column, …}`) in words. */
export function formatRule(rule: Record<string, unknown>): string {
  const column = typeof rule.column === 'string' ? rule.column : '?';
  switch (rule.kind) {
    case 'not_null':
      return `${column} is never null`;
    case 'range': {
      const min = num(rule.min);
      const max = num(rule.max);
      if (min !== null && max !== null) {
        return `${min} ≤ ${column} ≤ ${max}`;
      }
      if (min !== null) {
        return `${column} ≥ ${min}`;
      }
      if (max !== null) {
        return `${column} ≤ ${max}`;
      }
      return `${column} in any range`;
    }
    case 'allowed_values':
      return `${column} ∈ {${list(rule.values)}}`;
    case 'dtype':
      return `${column} is ${String(rule.dtype)}`;
    case 'unique':
      return `unique (${list(rule.columns)})`;
    case 'freshness':
      return `newest ${column} at most ${String(rule.max_age)} old`;
    default:
      return JSON.stringify(rule);
  }
}

export function RuleList(props: {
  rules: ReadonlyArray<Record<string, unknown>>;
}): JSX.Element {
  const { rules } = props;
  if (rules.length === 0) {
    return <p className="griffin-muted">No validation rules.</p>;
  }
  return (
    <ul className="griffin-rule-list">
      {rules.map((rule, i) => (
        <li
          key={i}
          data-griffin-rule-kind={String(rule.kind)}
          title={`${String(rule.kind).replace(/_/g, ' ')} rule`}
        >
          <code>{formatRule(rule)}</code>
        </li>
      ))}
    </ul>
  );
}

export function FailuresTable(props: {
  failures: ReadonlyArray<RuleFailure>;
}): JSX.Element {
  return (
    <div className="griffin-table-wrap">
      <table className="griffin-table griffin-failures">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Feature</th>
            <th scope="col" className="griffin-num">
              Rows
            </th>
            <th scope="col">Examples</th>
          </tr>
        </thead>
        <tbody>
          {props.failures.map((failure, i) => (
            <tr key={i} data-griffin-failure={failure.feature}>
              <td data-label="Rule">
                <code>{failure.rule}</code>
              </td>
              <td data-label="Feature">
                <code>{failure.feature}</code>
              </td>
              <td data-label="Rows" className="griffin-num">
                {failure.failing_rows.toLocaleString()}
              </td>
              <td data-label="Examples" className="griffin-examples">
                {failure.examples.map(formatValue).join(', ') || '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One report: a passed/failed badge, what was checked, and its failures. */
export function ReportView(props: {
  report: ValidationReport;
  highlight?: boolean;
}): JSX.Element {
  const { report, highlight } = props;
  const passed = report.passed;
  return (
    <div
      className={`griffin-report${highlight ? ' griffin-mod-new' : ''}`}
      data-griffin-report={report.id ?? ''}
      data-passed={String(passed)}
      data-report-stage={report.stage}
    >
      <div className="griffin-report-head">
        <span
          className={`griffin-badge ${
            passed ? 'griffin-badge-passed' : 'griffin-badge-failed'
          }`}
        >
          {passed ? 'Passed' : 'Failed'}
        </span>
        <span className="griffin-report-stage">{stageLabel(report.stage)}</span>
      </div>
      <div
        className="griffin-report-meta"
        title={report.actor ? `by ${report.actor}` : undefined}
      >
        {report.at ? (
          <>
            <Time iso={report.at} /> ·{' '}
          </>
        ) : null}
        {report.rows_checked.toLocaleString()} rows ·{' '}
        {report.rules_checked.toLocaleString()} rule
        {report.rules_checked === 1 ? '' : 's'}
        {passed
          ? ''
          : ` · ${report.failures.length} failing rule${
              report.failures.length === 1 ? '' : 's'
            }`}
      </div>
      {report.failures.length > 0 ? (
        <FailuresTable failures={report.failures} />
      ) : null}
    </div>
  );
}
