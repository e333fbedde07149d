/**
 * The "Deployments" tab: serving endpoints with their health and traffic,
 * one endpoint's page with its charts, versions, processes, rollback and a
 * launch form (deployments-endpoint.tsx), and one launch's timeline with
 * its gates and approval (deployments-launch.tsx).
 */
import React from 'react';

import {
  EndpointHealth,
  EndpointInfo,
  fetchEndpointHealth,
  fetchEndpoints
} from './api';
import {
  ErrorBox,
  IShownError,
  Loading,
  TabRouteModel,
  toShownError,
  usePolling,
  useSignal
} from './common';
import {
  ACTIVE_POLL_MS,
  candidateText,
  EndpointStatusBadge,
  formatErrors,
  formatMs,
  formatPerSecond,
  HEALTH_STEP_S,
  HEALTH_WINDOW_S,
  HealthStatusBadge,
  isSettlingEndpoint,
  primaryHealth
} from './deployments-common';
import { EndpointPage } from './deployments-endpoint';
import { LaunchPage } from './deployments-launch';

export type DeploymentsRoute =
  | { view: 'list' }
  | { view: 'endpoint'; name: string }
  | { view: 'launch'; id: number; endpoint: string | null };

/**
 * Where the Deployments tab is (the endpoint list, an endpoint, a launch);
 * kept outside React so it survives tab switches.
 */
export class DeploymentsModel extends TabRouteModel<DeploymentsRoute> {
  constructor(options: DeploymentsModel.IOptions = {}) {
    super({ view: 'list' });
    this._refreshSeconds = options.refreshSeconds ?? (() => 0);
    this._isVisible = options.isVisible ?? (() => true);
    this._openModel = options.openModel ?? null;
  }

  /** Whether the sidebar is shown; polling pauses while it is not. */
  isVisible(): boolean {
    return !document.hidden && this._isVisible();
  }

  /**
   * The poll period of a view with nothing in flight: the settings' refresh
   * interval, or null when automatic refresh is off.
   */
  idleDelay(): number | null {
    const seconds = this._refreshSeconds();
    return seconds > 0 ? seconds * 1000 : null;
  }

  openEndpoint(name: string): void {
    this.route = { view: 'endpoint', name };
  }

  /** Show a launch; `endpoint` is where "back" goes. */
  openLaunch(id: number, endpoint: string | null): void {
    this.route = { view: 'launch', id, endpoint };
  }

  /** Whether a model can be shown (in the Models tab). */
  get canOpenModel(): boolean {
    return this._openModel !== null;
  }

  openModel(name: string): void {
    this._openModel?.(name);
  }

  /**
   * One level up: from a launch to its endpoint, from an endpoint to the
   * list (the focus then returns to the endpoint's row).
   */
  back(): void {
    const route = this.route;
    if (route.view === 'launch' && route.endpoint) {
      this.route = { view: 'endpoint', name: route.endpoint };
      return;
    }
    this._returnFocus = route.view === 'endpoint' ? route.name : null;
    this.route = { view: 'list' };
  }

  private _refreshSeconds: () => number;
  private _isVisible: () => boolean;
  private _openModel: ((name: string) => void) | null;
}

export namespace DeploymentsModel {
  export interface IOptions {
    /** The refresh interval of the other tabs, in seconds (0: off). */
    refreshSeconds?: () => number;
    isVisible?: () => boolean;
    /** Show a model (in the Models tab). */
    openModel?: (name: string) => void;
  }
}

export function DeploymentsView(props: { model: DeploymentsModel }): JSX.Element {
  const { model } = props;
  useSignal(model.changed);
  const route = model.route;
  return (
    <section
      className="griffin-deployments"
      data-griffin-view="deployments"
      aria-label="Deployments"
    >
      {route.view === 'endpoint' ? (
        <EndpointPage key={route.name} name={route.name} model={model} />
      ) : route.view === 'launch' ? (
        <LaunchPage
          key={route.id}
          id={route.id}
          endpoint={route.endpoint}
          model={model}
        />
      ) : (
        <EndpointList model={model} />
      )}
    </section>
  );
}

/* ------------------------------------------------------------------ */
/* The endpoint list                                                  */
/* ------------------------------------------------------------------ */

interface IEndpointsState {
  endpoints: EndpointInfo[];
  /** Each endpoint's health, or why it could not be read. */
  health: Record<string, EndpointHealth | IShownError>;
}

async function loadEndpoints(): Promise<IEndpointsState> {
  const endpoints = await fetchEndpoints();
  const answers = await Promise.all(
    endpoints.map(endpoint =>
      fetchEndpointHealth(endpoint.name, HEALTH_WINDOW_S, HEALTH_STEP_S).catch(
        (reason: unknown) => toShownError(reason)
      )
    )
  );
  const health: IEndpointsState['health'] = {};
  endpoints.forEach((endpoint, i) => {
    health[endpoint.name] = answers[i];
  });
  return { endpoints, health };
}

function isHealth(value: EndpointHealth | IShownError | undefined): value is EndpointHealth {
  return value !== undefined && 'versions' in value;
}

function EndpointList(props: { model: DeploymentsModel }): JSX.Element {
  const { model } = props;
  const state = usePolling<IEndpointsState>(
    loadEndpoints,
    'endpoints',
    data =>
      data?.endpoints.some(e => isSettlingEndpoint(e.status))
        ? ACTIVE_POLL_MS
        : model.idleDelay(),
    () => model.isVisible()
  );

  const root = React.useRef<HTMLDivElement>(null);
  const returnFocus = React.useRef<string | null>(model.takeReturnFocus());
  React.useEffect(() => {
    const target = returnFocus.current;
    if (target === null || !root.current || state.data === null) {
      return;
    }
    returnFocus.current = null;
    root.current
      .querySelector<HTMLElement>(`[data-endpoint-name="${CSS.escape(target)}"] button`)
      ?.focus();
  }, [state.data]);

  const data = state.data;
  const endpoints = data?.endpoints ?? [];
  return (
    <div className="griffin-endpoint-list-view" ref={root}>
      <div className="griffin-section-head">
        <h3 className="griffin-section-title">Endpoints</h3>
        <button
          type="button"
          className="griffin-button"
          data-griffin-action="refresh-endpoints"
          title="Load the endpoints and their health again"
          onClick={state.reload}
        >
          {state.loading ? 'Loading…' : 'Refresh'}
        </button>
      </div>
      {state.error ? (
        <ErrorBox title="Could not load endpoints" error={state.error} />
      ) : null}
      <div
        className="griffin-results"
        aria-busy={state.loading}
        data-griffin-updates={state.updates}
      >
        {data === null && !state.error ? <Loading label="Loading endpoints…" /> : null}
        {data !== null ? (
          <div className="griffin-results-count" role="status">
            {endpoints.length} endpoint{endpoints.length === 1 ? '' : 's'}
            {endpoints.length > 0 ? ' · health over the last 5 minutes' : ''}
          </div>
        ) : null}
        {data !== null && endpoints.length === 0 ? <EmptyEndpoints /> : null}
        {endpoints.length > 0 ? (
          <ul className="griffin-card-list griffin-endpoint-list" aria-label="Endpoints">
            {endpoints.map(endpoint => (
              <EndpointRow
                key={endpoint.name}
                endpoint={endpoint}
                health={data?.health[endpoint.name]}
                onOpen={() => model.openEndpoint(endpoint.name)}
              />
            ))}
          </ul>
        ) : null}
      </div>
    </div>
  );
}

function EmptyEndpoints(): JSX.Element {
  return (
    <div className="griffin-empty" data-griffin-empty="deployments">
      <p className="griffin-empty-title">No endpoints yet.</p>
      <p>Serve a registered model version from a notebook:</p>
      <pre className="griffin-code">{'client.deploy("model@1")'}</pre>
      <p>or from a terminal:</p>
      <pre className="griffin-code">griffin deploy model@1</pre>
      <p className="griffin-muted">
        Each endpoint gets a stable address on this machine; its health, traffic
        and launches show up here.
      </p>
    </div>
  );
}

function EndpointRow(props: {
  endpoint: EndpointInfo;
  health: EndpointHealth | IShownError | undefined;
  onOpen: () => void;
}): JSX.Element {
  const { endpoint, health, onOpen } = props;
  const known = isHealth(health) ? health : null;
  const primary = primaryHealth(known);
  const status = known?.status ?? 'unknown';
  const candidate = candidateText(endpoint);
  const reasons = known?.reasons ?? [];
  return (
    <li
      className={`griffin-card griffin-endpoint-row griffin-endpoint-row-${status}`}
      data-endpoint-name={endpoint.name}
      data-endpoint-status={endpoint.status}
      data-endpoint-health={status}
      data-primary-version={endpoint.primary_version}
    >
      <button
        type="button"
        className="griffin-card-button"
        aria-label={`Open endpoint ${endpoint.name} (${endpoint.status}, health ${status})`}
        onClick={onOpen}
      >
        <span className="griffin-endpoint-row-head">
          <span className="griffin-card-title griffin-endpoint-name" title={endpoint.name}>
            {endpoint.name}
          </span>
          <EndpointStatusBadge status={endpoint.status} />
          {known ? (
            <HealthStatusBadge status={known.status} reasons={reasons} />
          ) : health ? (
            <span
              className="griffin-health-badge griffin-health-unknown"
              data-endpoint-health="unknown"
              title={(health as IShownError).message}
            >
              <span className="griffin-health-dot" aria-hidden="true" />
              health unknown
            </span>
          ) : null}
        </span>
        <span className="griffin-card-meta">
          <span data-endpoint-serves>
            <span aria-hidden="true">⬢</span> {endpoint.model} v{endpoint.primary_version}
          </span>
          {candidate ? (
            <span className="griffin-kind griffin-endpoint-candidate" data-endpoint-candidate>
              {candidate}
            </span>
          ) : null}
        </span>
        <span className="griffin-endpoint-figures" data-endpoint-figures>
          <span title="Requests per second to the primary version">
            <span className="griffin-muted">req/s </span>
            {formatPerSecond(primary?.requests_per_s)}
          </span>
          <span title="99th percentile latency of the primary version">
            <span className="griffin-muted">p99 </span>
            {formatMs(primary?.p99_ms)}
          </span>
          <span title="Share of the primary's requests that failed (5xx)">
            <span className="griffin-muted">errors </span>
            {primary ? formatErrors(primary.error_rate) : '—'}
          </span>
        </span>
        {(status === 'warning' || status === 'critical') && reasons.length > 0 ? (
          <span className={`griffin-endpoint-reason griffin-health-text-${status}`}>
            {reasons.join('; ')}
          </span>
        ) : null}
        {endpoint.status !== 'ready' && endpoint.message ? (
          <span className="griffin-muted griffin-endpoint-message">{endpoint.message}</span>
        ) : null}
      </button>
    </li>
  );
}
