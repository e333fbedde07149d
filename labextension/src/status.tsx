/**
 * The "Status" tab: Griffin Lab's version and the health of each engine.
 */
import { UseSignal } from '@jupyterlab/ui-components';
import React from 'react';

import { EngineStatus, StatusResponse } from './api';
import { IStatusError, StatusModel } from './model';

const STATE_LABELS: Record<string, string> = {
  ready: 'Ready',
  not_started: 'Not started',
  not_installed: 'Not installed',
  unreachable: 'Unreachable',
  error: 'Error'
};

/** Human label for an engine state; unknown states are shown as sent. */
export function stateLabel(state: string): string {
  const words = state.replace(/_/g, ' ');
  return STATE_LABELS[state] ?? words.charAt(0).toUpperCase() + words.slice(1);
}

/** The CSS modifier for a state (`unknown` for states this UI does not know). */
function stateClass(state: string): string {
  return state in STATE_LABELS ? state.replace(/_/g, '-') : 'unknown';
}

export function formatLatency(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) {
    return null;
  }
  if (ms >= 1000) {
    return `${(ms / 1000).toFixed(2)} s`;
  }
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

function formatCheckedAt(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay
    ? date.toLocaleTimeString()
    : `${date.toLocaleDateString()} ${date.toLocaleTimeString()}`;
}

function EngineRow(props: { engine: EngineStatus }): JSX.Element {
  const { engine } = props;
  const modifier = stateClass(engine.state);
  const latency = formatLatency(engine.latency_ms);
  return (
    <li
      className={`griffin-engine griffin-engine-${modifier}`}
      data-engine={engine.name}
      data-state={engine.state}
    >
      <div className="griffin-engine-head">
        <span className={`griffin-dot griffin-dot-${modifier}`} aria-hidden="true" />
        <span className="griffin-engine-label" title={engine.name}>
          {engine.label || engine.name}
        </span>
        <span className={`griffin-state griffin-state-${modifier}`}>
          {stateLabel(engine.state)}
        </span>
      </div>
      {engine.detail ? (
        <div className="griffin-engine-detail">{engine.detail}</div>
      ) : null}
      {engine.version || latency ? (
        <dl className="griffin-engine-facts">
          {engine.version ? (
            <div className="griffin-fact">
              <dt>Version</dt>
              <dd>{engine.version}</dd>
            </div>
          ) : null}
          {latency ? (
            <div className="griffin-fact">
              <dt>Latency</dt>
              <dd>{latency}</dd>
            </div>
          ) : null}
        </dl>
      ) : null}
    </li>
  );
}

function ErrorBox(props: { error: IStatusError; stale: boolean }): JSX.Element {
  const { error, stale } = props;
  const code = error.status > 0 ? ` · HTTP ${error.status}` : '';
  return (
    <div className="griffin-error" role="alert" data-griffin-error={error.type}>
      <div className="griffin-error-title">Could not load Griffin status</div>
      <div className="griffin-error-message">{error.message}</div>
      <div className="griffin-error-meta">
        {error.type}
        {code}
        {stale ? ' · showing the last known status below' : ''}
      </div>
    </div>
  );
}

function Summary(props: { status: StatusResponse }): JSX.Element {
  const { engines } = props.status;
  const ready = engines.filter(e => e.state === 'ready').length;
  return (
    <div className="griffin-status-count">
      {ready} of {engines.length} engine{engines.length === 1 ? '' : 's'} ready
    </div>
  );
}

function StatusContent(props: { model: StatusModel }): JSX.Element {
  const { model } = props;
  const { status, error, loading } = model;
  return (
    <section
      className="griffin-status"
      data-griffin-view="status"
      data-griffin-updates={model.updates}
      aria-busy={loading}
      aria-label="Griffin Lab status"
    >
      <div className="griffin-status-summary">
        <div className="griffin-status-heading">
          <div className="griffin-status-title">
            Griffin Lab{status ? ` ${status.version}` : ''}
          </div>
          {status ? (
            <div className="griffin-status-meta">
              Checked at{' '}
              <time dateTime={status.checked_at} title={status.checked_at}>
                {formatCheckedAt(status.checked_at)}
              </time>
            </div>
          ) : null}
        </div>
        <button
          type="button"
          className="griffin-button"
          data-griffin-action="refresh"
          title="Check Griffin Lab and its engines again"
          onClick={() => void model.refresh()}
        >
          {loading ? 'Checking…' : 'Refresh'}
        </button>
      </div>
      {error ? <ErrorBox error={error} stale={status !== null} /> : null}
      {status === null && error === null ? (
        <div className="griffin-loading" role="status">
          <span className="griffin-spinner" aria-hidden="true" />
          Checking Griffin Lab and its engines…
        </div>
      ) : null}
      {status ? (
        <>
          <Summary status={status} />
          {status.engines.length > 0 ? (
            <ul className="griffin-engine-list" aria-label="Engines">
              {status.engines.map(engine => (
                <EngineRow key={engine.name} engine={engine} />
              ))}
            </ul>
          ) : (
            <div className="griffin-placeholder">No engines reported.</div>
          )}
          <div className="griffin-status-home">
            <span className="griffin-status-home-label">Home</span>
            <code title={status.home}>{status.home}</code>
          </div>
        </>
      ) : null}
    </section>
  );
}

/** Renders the status view and re-renders whenever the model changes. */
export function StatusView(props: { model: StatusModel }): JSX.Element {
  return (
    <UseSignal signal={props.model.changed}>
      {() => <StatusContent model={props.model} />}
    </UseSignal>
  );
}
