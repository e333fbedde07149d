/**
 * One endpoint: its address and what it serves, health charts and a table
 * per version, recent launches, processes and events; rollback (after a
 * confirmation) and a form that launches another version.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import React from 'react';

import {
  EndpointDetail,
  EndpointEvent,
  EndpointHealth,
  fetchEndpoint,
  fetchEndpointHealth,
  fetchLaunches,
  isActiveLaunch,
  LaunchInfo,
  ProcessInfo,
  rollbackEndpoint
} from './api';
import {
  BackToList,
  ErrorBox,
  Fact,
  formatDuration,
  IShownError,
  Loading,
  StatusText,
  Time,
  toShownError,
  usePolling
} from './common';
import type { DeploymentsModel } from './deployments';
import {
  ACTIVE_POLL_MS,
  candidateText,
  DeploymentSection,
  EndpointStatusBadge,
  HEALTH_STEP_S,
  HEALTH_WINDOW_S,
  HealthStatusBadge,
  isSettlingEndpoint,
  LaunchStatusBadge
} from './deployments-common';
import { HealthSection, VersionsTable } from './deployments-health';
import { LaunchForm } from './deployments-launch-form';
import { Actor, Ago } from './models-common';

const LAUNCHES_SHOWN = 10;
const EVENTS_SHOWN = 8;

export function EndpointPage(props: {
  name: string;
  model: DeploymentsModel;
}): JSX.Element {
  const { name, model } = props;
  const visible = (): boolean => model.isVisible();

  const launches = usePolling<LaunchInfo[]>(
    () => fetchLaunches({ endpoint: name, limit: LAUNCHES_SHOWN }),
    name,
    list =>
      list?.some(l => isActiveLaunch(l.status)) ? ACTIVE_POLL_MS : model.idleDelay(),
    visible
  );
  const activeLaunch = launches.data?.find(l => isActiveLaunch(l.status)) ?? null;
  // While a launch changes the endpoint, follow it closely; restart the
  // polls when one starts or ends.
  const live = activeLaunch !== null;
  const detail = usePolling<EndpointDetail>(
    () => fetchEndpoint(name),
    `${name}#${live ? 'live' : 'idle'}`,
    ep =>
      live || (ep !== null && isSettlingEndpoint(ep.status))
        ? ACTIVE_POLL_MS
        : model.idleDelay(),
    visible
  );
  const health = usePolling<EndpointHealth>(
    () => fetchEndpointHealth(name, HEALTH_WINDOW_S, HEALTH_STEP_S),
    `${name}#${live ? 'live' : 'idle'}`,
    () => (live ? 2 * ACTIVE_POLL_MS : model.idleDelay()),
    visible
  );

  const [rollingBack, setRollingBack] = React.useState(false);
  const [actionError, setActionError] = React.useState<IShownError | null>(null);
  const [launching, setLaunching] = React.useState(false);

  const heading = React.useRef<HTMLHeadingElement>(null);
  React.useEffect(() => {
    heading.current?.focus();
  }, []);

  const ep = detail.data;

  const rollback = async (): Promise<void> => {
    if (!ep) {
      return;
    }
    const body =
      ep.candidate_version !== null
        ? `Drop candidate v${ep.candidate_version} (${ep.mode}); v${ep.primary_version} keeps serving all traffic.`
        : ep.previous_version !== null
          ? `Serve v${ep.previous_version} again instead of v${ep.primary_version}: ` +
            `v${ep.previous_version} starts, then takes the traffic (blue/green).`
          : `${name} records no previous version; the server will say what it can do.`;
    const answer = await showDialog({
      title: `Roll back ${name}?`,
      body:
        body +
        (activeLaunch
          ? ` Launch #${activeLaunch.id} is running and will stop once the endpoint no longer serves its version.`
          : ''),
      buttons: [
        Dialog.cancelButton({ label: 'Keep serving' }),
        Dialog.warnButton({ label: 'Roll back' })
      ]
    });
    if (!answer.button.accept) {
      return;
    }
    setRollingBack(true);
    setActionError(null);
    try {
      detail.setData(await rollbackEndpoint(name));
      health.reload();
    } catch (error) {
      setActionError(toShownError(error));
      detail.reload();
    } finally {
      setRollingBack(false);
    }
  };

  return (
    <div
      className="griffin-detail griffin-endpoint-detail"
      data-griffin-view="endpoint-detail"
      data-endpoint-name={name}
      data-endpoint-status={ep?.status ?? ''}
      data-primary-version={ep?.primary_version ?? ''}
      data-candidate-version={ep?.candidate_version ?? ''}
      data-griffin-updates={detail.updates}
      aria-busy={detail.loading}
    >
      <BackToList label="All endpoints" onClick={() => model.back()} />
      <div className="griffin-detail-head">
        <h3 className="griffin-detail-title" tabIndex={-1} ref={heading}>
          {name}
        </h3>
        {ep ? <EndpointStatusBadge status={ep.status} /> : null}
        {health.data ? (
          <HealthStatusBadge status={health.data.status} reasons={health.data.reasons} />
        ) : null}
        <button
          type="button"
          className="griffin-link-button griffin-model-refresh"
          data-griffin-action="refresh-endpoint"
          title="Load the endpoint and its health again"
          onClick={() => {
            detail.reload();
            health.reload();
            launches.reload();
          }}
        >
          {detail.loading ? 'Loading…' : 'Refresh'}
        </button>
      </div>
      {detail.error ? (
        <ErrorBox title={`Could not load endpoint ${name}`} error={detail.error} />
      ) : null}
      {ep === null && !detail.error ? <Loading label="Loading the endpoint…" /> : null}
      {ep ? (
        <>
          {ep.message ? (
            <p className="griffin-job-status-message" role="status" data-endpoint-message>
              {ep.message}
            </p>
          ) : null}
          {activeLaunch ? (
            <div className="griffin-notice griffin-endpoint-launch-note" role="status">
              <span className="griffin-job-pulse" aria-hidden="true" /> Launch #
              {activeLaunch.id} of v{activeLaunch.version} is{' '}
              {activeLaunch.status.replace(/_/g, ' ')}.{' '}
              <button
                type="button"
                className="griffin-link-button"
                data-griffin-action="open-active-launch"
                onClick={() => model.openLaunch(activeLaunch.id, name)}
              >
                Follow it
              </button>
            </div>
          ) : null}
          <EndpointFacts endpoint={ep} model={model} />
          <div className="griffin-actions">
            <button
              type="button"
              className="griffin-button griffin-button-primary"
              data-griffin-action="launch"
              aria-expanded={launching}
              disabled={activeLaunch !== null}
              title={
                activeLaunch
                  ? `Launch #${activeLaunch.id} is still changing ${name}`
                  : 'Take another version to production through the launch pipeline'
              }
              onClick={() => setLaunching(!launching)}
            >
              Launch a version…
            </button>
            <button
              type="button"
              className="griffin-button griffin-button-danger"
              data-griffin-action="rollback"
              disabled={rollingBack}
              title={
                ep.candidate_version !== null
                  ? `Drop candidate v${ep.candidate_version}`
                  : ep.previous_version !== null
                    ? `Serve v${ep.previous_version} again`
                    : 'No previous version recorded'
              }
              onClick={() => void rollback()}
            >
              {rollingBack ? 'Rolling back…' : 'Roll back'}
            </button>
          </div>
          {actionError ? (
            <ErrorBox title="The endpoint was not rolled back" error={actionError} />
          ) : null}
          {launching && activeLaunch === null ? (
            <LaunchForm
              endpoint={ep}
              onClose={() => setLaunching(false)}
              onStarted={id => model.openLaunch(id, name)}
            />
          ) : null}
          <HealthSection health={health.data} error={health.error} />
          <VersionsTable health={health.data} />
          <LaunchList
            launches={launches.data}
            error={launches.error}
            onOpen={id => model.openLaunch(id, name)}
          />
          <DeploymentSection title="Processes" name="processes">
            <ProcessList processes={ep.processes} />
          </DeploymentSection>
          <EventList events={ep.events} />
        </>
      ) : null}
    </div>
  );
}

function EndpointFacts(props: {
  endpoint: EndpointDetail;
  model: DeploymentsModel;
}): JSX.Element {
  const { endpoint: ep, model } = props;
  const candidate = candidateText(ep);
  return (
    <dl className="griffin-detail-facts griffin-endpoint-facts">
      <Fact label="Address">
        <code className="griffin-path" title={ep.url} data-endpoint-url>
          {ep.url}
        </code>
      </Fact>
      <Fact label="Serves">
        <span data-endpoint-serves>
          {model.canOpenModel ? (
            <button
              type="button"
              className="griffin-link-button"
              data-griffin-action="open-model"
              title={`Open ${ep.model} in the Models tab`}
              onClick={() => model.openModel(ep.model)}
            >
              {ep.model}
            </button>
          ) : (
            ep.model
          )}{' '}
          v{ep.primary_version}
        </span>
        {candidate ? (
          <span className="griffin-kind griffin-endpoint-candidate" data-endpoint-candidate>
            {candidate}
          </span>
        ) : null}
      </Fact>
      <Fact label="Previous">
        {ep.previous_version !== null ? `v${ep.previous_version}` : '—'}
      </Fact>
      <Fact label="Workers">{ep.workers}</Fact>
      <Fact label="Features">
        {(ep.online_features ?? []).length ? (
          <span
            data-endpoint-online-features
            title={(ep.online_features ?? []).join('\n')}
          >
            {(ep.online_features ?? []).length} from the online store, keyed by{' '}
            {(ep.entity_keys ?? []).join(', ')}
          </span>
        ) : (
          <span className="griffin-muted">sent in each request</span>
        )}
      </Fact>
      <Fact label="Created">
        <Time iso={ep.created_at} />
        {ep.created_by ? (
          <span className="griffin-muted">
            {' '}
            by <Actor name={ep.created_by} />
          </span>
        ) : null}
      </Fact>
      <Fact label="Changed">
        <Ago iso={ep.updated_at} />
      </Fact>
    </dl>
  );
}

/* ------------------------------------------------------------------ */
/* Launches                                                           */
/* ------------------------------------------------------------------ */

function LaunchList(props: {
  launches: LaunchInfo[] | null;
  error: IShownError | null;
  onOpen: (id: number) => void;
}): JSX.Element {
  const { launches, error, onOpen } = props;
  return (
    <DeploymentSection title="Launches" name="launches">
      {error ? <ErrorBox title="Could not load launches" error={error} /> : null}
      {launches === null && !error ? <Loading label="Loading launches…" /> : null}
      {launches !== null && launches.length === 0 ? (
        <p className="griffin-muted" data-launches-empty>
          No launch on this endpoint yet: <strong>Launch a version…</strong> takes
          another version through estimation, the gates, a shadow, the switch and
          a health watch.
        </p>
      ) : null}
      {launches !== null && launches.length > 0 ? (
        <ul className="griffin-card-list griffin-launch-list" aria-label="Launches">
          {launches.map(launch => (
            <li
              key={launch.id}
              className={`griffin-card griffin-launch-card griffin-launch-card-${launch.status}`}
              data-launch-id={launch.id}
              data-launch-status={launch.status}
            >
              <button
                type="button"
                className="griffin-card-button"
                aria-label={`Open launch ${launch.id} of v${launch.version} (${launch.status})`}
                onClick={() => onOpen(launch.id)}
              >
                <span className="griffin-endpoint-row-head">
                  <span className="griffin-card-title">
                    #{launch.id} v{launch.version}
                    <span className="griffin-muted">
                      {launch.production_version !== null
                        ? ` from v${launch.production_version}`
                        : ' first launch'}
                    </span>
                  </span>
                  <LaunchStatusBadge status={launch.status} />
                </span>
                <span className="griffin-card-meta">
                  <Ago iso={launch.created_at} />
                  <span>
                    {launch.seconds !== null ? formatDuration(launch.seconds) : 'in progress'}
                  </span>
                  <Actor name={launch.created_by} />
                </span>
                {launch.message ? (
                  <span className="griffin-card-text griffin-launch-card-message">
                    {launch.message}
                  </span>
                ) : null}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </DeploymentSection>
  );
}

/* ------------------------------------------------------------------ */
/* Processes and events                                               */
/* ------------------------------------------------------------------ */

/** One line per process: what it serves, then its port, pid, workers and restarts. */
function ProcessList(props: { processes: ProcessInfo[] }): JSX.Element {
  const { processes } = props;
  if (processes.length === 0) {
    return <p className="griffin-muted">No serving process is running.</p>;
  }
  return (
    <ul className="griffin-endpoint-processes">
      {processes.map(p => (
        <li
          key={`${p.version}#${p.port}#${p.pid ?? ''}`}
          data-process-version={p.version}
          data-process-role={p.role}
          data-process-status={p.status}
          title={`${p.bento} · started ${p.started_at}`}
        >
          <div className="griffin-endpoint-process-head">
            <span className="griffin-endpoint-version">v{p.version}</span>
            <span className={`griffin-role griffin-role-${p.role}`}>{p.role}</span>
            <StatusText status={p.status} />
          </div>
          <dl className="griffin-version-metrics griffin-endpoint-process-facts">
            <div>
              <dt>port</dt>
              <dd data-process-port>{p.port}</dd>
            </div>
            <div>
              <dt>pid</dt>
              <dd data-process-pid>{p.pid ?? '—'}</dd>
            </div>
            <div>
              <dt>workers</dt>
              <dd>{p.workers}</dd>
            </div>
            <div>
              <dt>restarts</dt>
              <dd className={p.restarts > 0 ? 'griffin-health-text-warning' : undefined}>
                {p.restarts}
              </dd>
            </div>
          </dl>
          {p.error ? <div className="griffin-job-message-failed">{p.error}</div> : null}
        </li>
      ))}
    </ul>
  );
}

function eventText(event: EndpointEvent): string {
  return Object.entries(event.detail ?? {})
    .filter(([key, value]) => key !== 'actor' && value !== null && value !== '')
    .map(([key, value]) =>
      /version$/.test(key) && typeof value === 'number'
        ? `${key.replace(/_/g, ' ')} v${value}`
        : `${key.replace(/_/g, ' ')} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`
    )
    .join(' · ');
}

function EventRow(props: { event: EndpointEvent }): JSX.Element {
  const { event } = props;
  const actor = event.detail?.['actor'];
  return (
    <li data-endpoint-event={event.kind}>
      <div className="griffin-alias-event-head">
        <span className={`griffin-chip griffin-event-kind griffin-event-${event.kind}`}>
          {event.kind.replace(/_/g, ' ')}
        </span>
        <span className="griffin-event-text">{eventText(event)}</span>
      </div>
      <div className="griffin-card-meta">
        <Time iso={event.at} />
        {typeof actor === 'string' && actor ? <Actor name={actor} /> : null}
      </div>
    </li>
  );
}

function EventList(props: { events: EndpointEvent[] }): JSX.Element {
  const { events } = props;
  const first = events.slice(0, EVENTS_SHOWN);
  const rest = events.slice(EVENTS_SHOWN);
  return (
    <DeploymentSection title="Recent events" name="events">
      {events.length === 0 ? (
        <p className="griffin-muted">Nothing recorded yet.</p>
      ) : (
        <ol className="griffin-model-alias-history griffin-endpoint-events">
          {first.map((event, i) => (
            <EventRow key={`${event.at}#${i}`} event={event} />
          ))}
        </ol>
      )}
      {rest.length > 0 ? (
        <details className="griffin-sample">
          <summary>{rest.length} older</summary>
          <ol className="griffin-model-alias-history griffin-endpoint-events">
            {rest.map((event, i) => (
              <EventRow key={`${event.at}#${i}`} event={event} />
            ))}
          </ol>
        </details>
      ) : null}
    </DeploymentSection>
  );
}
