/**
 * One launch: what it takes where, its five steps as a timeline (each bar
 * placed and sized by when the step ran), the approval gates, and Approve /
 * Reject while it waits for a person. Followed live until it ends.
 */
import React from 'react';

import {
  decideLaunch,
  fetchLaunch,
  GateResult,
  isActiveLaunch,
  LaunchDetail,
  LaunchStep
} from './api';
import {
  BackToList,
  ErrorBox,
  Fact,
  formatDuration,
  formatPercent,
  IShownError,
  Loading,
  Time,
  toShownError,
  usePolling
} from './common';
import type { DeploymentsModel } from './deployments';
import {
  DeploymentSection,
  LAUNCH_POLL_MS,
  LaunchStatusBadge
} from './deployments-common';
import { Actor, TierBadge } from './models-common';

const STEP_LABELS: Record<string, string> = {
  estimation: 'Estimation',
  approval: 'Approval',
  preparation: 'Preparation',
  scale_up: 'Scale-up',
  finalization: 'Finalization'
};

const STEP_HINTS: Record<string, string> = {
  estimation: 'Serve the version on a staging copy; replay recorded requests at it and at production',
  approval: 'Judge the gates; wait for a person when the tier (or the request) says so',
  preparation: 'Copy live traffic to the version (shadow); its answers are logged, not returned',
  scale_up: 'Switch production to the version and watch its health; roll back on a regression',
  finalization: 'Move the production and previous aliases; stop the old process'
};

const STEP_ICONS: Record<string, string> = {
  pending: '○',
  running: '●',
  waiting: '❚❚',
  passed: '✓',
  failed: '✕',
  skipped: '–'
};

/** The current time, ticking every second while `live`. */
function useNow(live: boolean): number {
  const [now, setNow] = React.useState(Date.now());
  React.useEffect(() => {
    if (!live) {
      return;
    }
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [live]);
  return now;
}

function ms(iso: string | null | undefined): number | null {
  if (!iso) {
    return null;
  }
  const at = new Date(iso).getTime();
  return Number.isNaN(at) ? null : at;
}

/** Seconds a step took, or has taken so far while it runs. */
function stepSeconds(step: LaunchStep, now: number): number | null {
  if (step.seconds !== null && step.seconds !== undefined) {
    return step.seconds;
  }
  const start = ms(step.started_at);
  if (start === null) {
    return null;
  }
  const end = ms(step.ended_at) ?? now;
  return Math.max(0, (end - start) / 1000);
}

export function LaunchPage(props: {
  id: number;
  endpoint: string | null;
  model: DeploymentsModel;
}): JSX.Element {
  const { id, endpoint, model } = props;
  const detail = usePolling<LaunchDetail>(
    () => fetchLaunch(id),
    String(id),
    launch => (launch === null || isActiveLaunch(launch.status) ? LAUNCH_POLL_MS : null),
    () => model.isVisible()
  );
  const launch = detail.data;
  const active = launch !== null && isActiveLaunch(launch.status);
  const now = useNow(active);

  const heading = React.useRef<HTMLHeadingElement>(null);
  React.useEffect(() => {
    heading.current?.focus();
  }, []);

  const where = endpoint ?? launch?.endpoint ?? null;
  const created = ms(launch?.created_at);
  const total =
    launch === null
      ? null
      : launch.seconds ?? (created !== null ? Math.max(0, (now - created) / 1000) : null);
  return (
    <div
      className="griffin-detail griffin-launch-detail"
      data-griffin-view="launch-detail"
      data-launch-id={id}
      data-launch-status={launch?.status ?? ''}
      data-griffin-updates={detail.updates}
      aria-busy={detail.loading}
    >
      <BackToList
        label={endpoint ? `Endpoint ${endpoint}` : 'All endpoints'}
        onClick={() => model.back()}
      />
      <div className="griffin-detail-head">
        <h3 className="griffin-detail-title" tabIndex={-1} ref={heading}>
          {launch ? `${launch.model} v${launch.version}` : `Launch #${id}`}
        </h3>
        {launch ? <LaunchStatusBadge status={launch.status} /> : null}
      </div>
      {detail.error ? (
        <ErrorBox title={`Could not load launch #${id}`} error={detail.error} />
      ) : null}
      {launch === null && !detail.error ? <Loading label="Loading the launch…" /> : null}
      {launch ? (
        <>
          <div className="griffin-launch-sub">
            Launch #{launch.id} on{' '}
            {where ? (
              <button
                type="button"
                className="griffin-link-button"
                data-griffin-action="open-endpoint"
                onClick={() => model.openEndpoint(where)}
              >
                {where}
              </button>
            ) : (
              launch.endpoint
            )}
            {launch.production_version !== null
              ? `, replacing v${launch.production_version}`
              : ', first launch'}
          </div>
          {launch.message ? (
            <p
              className={`griffin-launch-message griffin-launch-message-${launch.status}`}
              role="status"
              data-launch-message
            >
              {launch.message}
            </p>
          ) : null}
          <dl className="griffin-detail-facts griffin-launch-facts">
            <Fact label="Tier">
              <TierBadge tier={launch.tier} />
            </Fact>
            <Fact label="Total">
              <span data-launch-seconds={launch.seconds ?? ''}>
                {formatDuration(total)}
                {active ? <span className="griffin-muted"> so far</span> : null}
              </span>
            </Fact>
            <Fact label="Started">
              <Time iso={launch.created_at} />
              <span className="griffin-muted">
                {' '}
                by <Actor name={launch.created_by} />
              </span>
            </Fact>
            <Fact label="Asked for">
              <RequestSummary request={launch.request} />
            </Fact>
            {launch.decided_by ? (
              <Fact label="Decided by">
                <Actor name={launch.decided_by} />
                {launch.decision_reason ? (
                  <span className="griffin-muted"> “{launch.decision_reason}”</span>
                ) : null}
              </Fact>
            ) : null}
          </dl>
          {launch.status === 'awaiting_approval' ? (
            <Decision launch={launch} onDecided={detail.setData} />
          ) : null}
          <DeploymentSection
            title="Timeline"
            name="timeline"
            extra={
              active ? (
                <span className="griffin-muted griffin-live-note">
                  <span className="griffin-job-pulse" aria-hidden="true" /> live
                </span>
              ) : null
            }
          >
            <Timeline launch={launch} now={now} total={total} />
          </DeploymentSection>
          <DeploymentSection title="Gates" name="gates">
            <GatesTable gates={launch.gates} status={launch.status} />
          </DeploymentSection>
        </>
      ) : null}
    </div>
  );
}

function RequestSummary(props: { request: Record<string, unknown> }): JSX.Element {
  const { request } = props;
  const number = (key: string): number | null =>
    typeof request[key] === 'number' ? (request[key] as number) : null;
  const shadow = number('shadow_s');
  const watch = number('watch_s');
  const tolerance = number('tolerance');
  const approval = request['require_approval'];
  const reason = typeof request['reason'] === 'string' ? request['reason'] : '';
  return (
    <span className="griffin-launch-request" data-launch-request>
      <span>shadow {shadow !== null ? formatDuration(shadow) : '—'}</span>
      <span>watch {watch !== null ? formatDuration(watch) : '—'}</span>
      {tolerance !== null ? <span>tolerance {formatPercent(tolerance)}</span> : null}
      <span>
        approval{' '}
        {approval === true ? 'by a person' : approval === false ? 'automatic' : 'by tier'}
      </span>
      {reason ? <span className="griffin-muted">“{reason}”</span> : null}
    </span>
  );
}

function Decision(props: {
  launch: LaunchDetail;
  onDecided: (launch: LaunchDetail) => void;
}): JSX.Element {
  const { launch, onDecided } = props;
  const [reason, setReason] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<IShownError | null>(null);

  const decide = async (approve: boolean): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      onDecided(await decideLaunch(launch.id, approve, reason.trim()));
    } catch (reason) {
      setError(toShownError(reason));
    } finally {
      setBusy(false);
    }
  };

  const id = `griffin-decision-${launch.id}`;
  return (
    <div className="griffin-launch-decision" data-launch-decision role="group" aria-label="Decision">
      <div className="griffin-minor-title">
        The gates passed; v{launch.version} waits for a person
      </div>
      <div className="griffin-field">
        <label htmlFor={id}>Reason</label>
        <input
          id={id}
          className="griffin-input"
          type="text"
          value={reason}
          placeholder="why (kept with the launch)"
          autoComplete="off"
          data-griffin-input="decision-reason"
          onChange={event => setReason(event.target.value)}
        />
      </div>
      {error ? <ErrorBox title="The decision was not recorded" error={error} /> : null}
      <div className="griffin-actions">
        <button
          type="button"
          className="griffin-button griffin-button-primary"
          data-griffin-action="approve-launch"
          disabled={busy}
          onClick={() => void decide(true)}
        >
          Approve
        </button>
        <button
          type="button"
          className="griffin-button griffin-button-danger"
          data-griffin-action="reject-launch"
          disabled={busy}
          onClick={() => void decide(false)}
        >
          Reject
        </button>
      </div>
    </div>
  );
}

function Timeline(props: {
  launch: LaunchDetail;
  now: number;
  total: number | null;
}): JSX.Element {
  const { launch, now, total } = props;
  const created = ms(launch.created_at);
  // The scale: the whole launch, at least as long as its steps.
  const span = Math.max(
    total ?? 0,
    ...launch.steps.map(step => {
      const start = ms(step.started_at);
      const seconds = stepSeconds(step, now);
      return start !== null && created !== null && seconds !== null
        ? (start - created) / 1000 + seconds
        : 0;
    }),
    0.001
  );
  return (
    <ol className="griffin-launch-steps" aria-label="Steps">
      {launch.steps.map(step => {
        const seconds = stepSeconds(step, now);
        const start = ms(step.started_at);
        const offset =
          start !== null && created !== null ? Math.max(0, (start - created) / 1000) : null;
        const outcome = Object.keys(step.outcome ?? {}).length > 0 ? step.outcome : null;
        const label = STEP_LABELS[step.name] ?? step.name;
        return (
          <li
            key={step.name}
            className={`griffin-launch-step griffin-step-${step.status}`}
            data-launch-step={step.name}
            data-step-status={step.status}
          >
            <span className="griffin-step-icon" aria-hidden="true">
              {STEP_ICONS[step.status] ?? '?'}
            </span>
            <div className="griffin-launch-step-body">
              <div className="griffin-launch-step-head">
                <span className="griffin-launch-step-name" title={STEP_HINTS[step.name]}>
                  {label}
                </span>
                <span className="griffin-launch-step-status">{step.status}</span>
                <span className="griffin-launch-step-seconds" data-step-seconds={step.seconds ?? ''}>
                  {seconds !== null ? formatDuration(seconds) : ''}
                </span>
              </div>
              <div
                className="griffin-launch-bar"
                role="img"
                aria-label={
                  seconds !== null && offset !== null
                    ? `${label}: ${formatDuration(seconds)}, from ${formatDuration(offset)} after the start`
                    : `${label}: not started`
                }
              >
                {seconds !== null && offset !== null ? (
                  <span
                    className="griffin-launch-bar-fill"
                    style={{
                      left: `${Math.min(100, (offset / span) * 100)}%`,
                      width: `${Math.min(100, (seconds / span) * 100)}%`
                    }}
                  />
                ) : null}
              </div>
              {step.message ? (
                <div className="griffin-launch-step-message">{step.message}</div>
              ) : step.status === 'pending' ? (
                <div className="griffin-launch-step-message griffin-muted">
                  {STEP_HINTS[step.name]}
                </div>
              ) : null}
              {outcome ? (
                <details className="griffin-sample griffin-launch-outcome">
                  <summary>Outcome</summary>
                  <pre className="griffin-code">{JSON.stringify(outcome, null, 2)}</pre>
                </details>
              ) : null}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

function gateResult(gate: GateResult): 'pass' | 'fail' | 'no evidence' {
  return gate.passed === true ? 'pass' : gate.passed === false ? 'fail' : 'no evidence';
}

function GatesTable(props: { gates: GateResult[]; status: string }): JSX.Element {
  const { gates, status } = props;
  if (gates.length === 0) {
    return (
      <p className="griffin-muted" data-gates-empty>
        {isActiveLaunch(status)
          ? 'The gates are judged once estimation has replayed traffic.'
          : 'No gate was judged.'}
      </p>
    );
  }
  return (
    <div className="griffin-table-wrap">
      <table className="griffin-table griffin-launch-gates">
        <thead>
          <tr>
            <th scope="col">Gate</th>
            <th scope="col">Result</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {gates.map(gate => {
            const result = gateResult(gate);
            return (
              <tr
                key={gate.name}
                data-gate={gate.name}
                data-gate-passed={String(gate.passed)}
                data-gate-required={String(gate.required)}
              >
                <th scope="row">
                  <code>{gate.name}</code>
                  <div className="griffin-muted griffin-gate-kind">
                    {gate.required ? 'required' : 'advisory'}
                  </div>
                </th>
                <td>
                  <span
                    className={`griffin-gate-result griffin-gate-${result.replace(' ', '-')}`}
                  >
                    {result === 'pass' ? '✓ ' : result === 'fail' ? '✕ ' : ''}
                    {result}
                  </span>
                </td>
                <td className="griffin-gate-message">{gate.message}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
