/**
 * The "Features" tab: search the feature catalogue, open a feature view
 * (schema, statistics charts, validation reports, history) and add sources.
 */
import React from 'react';

import {
  FeatureServerInfo,
  FeatureServiceInfo,
  FeatureStats,
  FeatureViewDetail,
  FeatureViewSummary,
  fetchFeatureSample,
  fetchFeatureServer,
  fetchFeatureStats,
  fetchFeatureView,
  fetchValidationReports,
  IFeatureQuery,
  materializeFeatures,
  MaterializeViewResult,
  SearchResult,
  searchFeatures,
  startFeatureServer,
  stopFeatureServer,
  validateFeatureView,
  ValidationReport
} from './api';
import { AddSourceForm } from './addsource';
import { HistogramChart } from './charts';
import {
  BackToList,
  ErrorBox,
  Fact,
  formatNumber,
  formatPercent,
  formatTtl,
  formatValue,
  Highlight,
  IShownError,
  Loading,
  PathValue,
  Section,
  StatusText,
  TabRouteModel,
  Time,
  toShownError,
  useDebounced,
  useRequest,
  useSignal
} from './common';
import { ReportView, RuleList } from './reports';

const SEARCH_DEBOUNCE_MS = 250;

export type FeaturesRoute =
  | { view: 'list' }
  | { view: 'detail'; name: string }
  | { view: 'add' };

export interface IFeatureFilters {
  q: string;
  tag: string;
  owner: string;
  entity: string;
}

/**
 * Where the Features tab is (list, a view's detail, the new-source form)
 * and the search filters; kept outside React so they survive tab switches.
 */
export class FeaturesModel extends TabRouteModel<FeaturesRoute> {
  constructor() {
    super({ view: 'list' });
  }

  get filters(): IFeatureFilters {
    return this._filters;
  }

  setFilters(filters: Partial<IFeatureFilters>): void {
    this._filters = { ...this._filters, ...filters };
    this._changed.emit();
  }

  /** Bumped when the catalogue changed here (a source was added). */
  get generation(): number {
    return this._generation;
  }

  catalogueChanged(): void {
    this._generation += 1;
    this._changed.emit();
  }

  openView(name: string): void {
    this.route = { view: 'detail', name };
  }

  /**
   * Back to the list; focus then returns to where the user came from: the
   * view that was open, else (`''`) the search box.
   */
  back(): void {
    const route = this.route;
    this._returnFocus = route.view === 'detail' ? route.name : '';
    this.route = { view: 'list' };
  }

  private _filters: IFeatureFilters = { q: '', tag: '', owner: '', entity: '' };
  private _generation = 0;
}

export function FeaturesView(props: { model: FeaturesModel }): JSX.Element {
  const { model } = props;
  useSignal(model.changed);
  const route = model.route;
  const toList = (): void => model.back();
  return (
    <section
      className="griffin-features"
      data-griffin-view="features"
      aria-label="Feature catalogue"
    >
      {route.view === 'detail' ? (
        <FeatureViewPage
          key={route.name}
          name={route.name}
          onBack={toList}
          onOpenView={name => model.openView(name)}
        />
      ) : route.view === 'add' ? (
        <AddSourceForm
          onCancel={toList}
          onCreated={name => {
            model.catalogueChanged();
            model.openView(name);
          }}
        />
      ) : (
        <FeatureCatalog model={model} />
      )}
    </section>
  );
}

/* ------------------------------------------------------------------ */
/* Catalogue: search and results                                      */
/* ------------------------------------------------------------------ */

function unique(values: Iterable<string>): string[] {
  return Array.from(new Set(values)).sort((a, b) => a.localeCompare(b));
}

/** Suggestions for the filter fields, from the whole catalogue. */
function facets(result: SearchResult | null): {
  owners: string[];
  entities: string[];
  tags: string[];
} {
  const views = result?.views ?? [];
  const services = result?.services ?? [];
  const tags: string[] = [];
  for (const item of [...views, ...services]) {
    for (const [key, value] of Object.entries(item.tags ?? {})) {
      tags.push(key, `${key}=${value}`);
    }
  }
  return {
    owners: unique(
      [...views, ...services].map(item => item.owner).filter(Boolean)
    ),
    entities: unique(views.flatMap(view => view.entities)),
    tags: unique(tags)
  };
}

function FilterField(props: {
  id: string;
  label: string;
  value: string;
  placeholder: string;
  options: string[];
  onChange: (value: string) => void;
}): JSX.Element {
  const { id, label, value, placeholder, options, onChange } = props;
  const listId = `${id}-options`;
  return (
    <div className="griffin-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="griffin-input"
        type="text"
        value={value}
        placeholder={placeholder}
        list={listId}
        autoComplete="off"
        spellCheck={false}
        data-griffin-input={`feature-filter-${label.toLowerCase()}`}
        onChange={event => onChange(event.target.value)}
      />
      <datalist id={listId}>
        {options.map(option => (
          <option key={option} value={option} />
        ))}
      </datalist>
    </div>
  );
}

function FeatureCatalog(props: { model: FeaturesModel }): JSX.Element {
  const { model } = props;
  const filters = model.filters;
  const currentKey = JSON.stringify({
    q: filters.q.trim(),
    tag: filters.tag.trim(),
    owner: filters.owner.trim(),
    entity: filters.entity.trim()
  });
  // Debounce the text form: strings compare by value, objects would not.
  const queryKey = useDebounced(currentKey, SEARCH_DEBOUNCE_MS);
  const query = JSON.parse(queryKey) as IFeatureQuery;
  const results = useRequest(
    () => searchFeatures(query),
    `${queryKey}#${model.generation}`
  );
  const all = useRequest(() => searchFeatures({}), `all#${model.generation}`);
  const options = React.useMemo(() => facets(all.data), [all.data]);
  const activeFilters = [filters.tag, filters.owner, filters.entity].filter(
    value => value.trim()
  ).length;
  const [filtersOpen, setFiltersOpen] = React.useState(activeFilters > 0);
  // Results are settled once the request for the text shown is answered.
  const settled = !results.loading && queryKey === currentKey;

  const data = results.data;
  const views = data?.views ?? [];
  const services = data?.services ?? [];

  const root = React.useRef<HTMLDivElement>(null);
  const returnFocus = React.useRef<string | null>(model.takeReturnFocus());
  React.useEffect(() => {
    const target = returnFocus.current;
    if (target === null || !root.current) {
      return;
    }
    const card = target
      ? root.current.querySelector<HTMLElement>(
          `[data-feature-view="${CSS.escape(target)}"] button`
        )
      : null;
    if (card || data !== null || !target) {
      returnFocus.current = null;
      (card ?? root.current.querySelector<HTMLElement>('#griffin-feature-search'))?.focus();
    }
  }, [data]);

  return (
    <div className="griffin-catalog" ref={root}>
      <div className="griffin-section-head">
        <h3 className="griffin-section-title">Feature catalogue</h3>
        <button
          type="button"
          className="griffin-button"
          data-griffin-action="add-source"
          onClick={() => {
            model.route = { view: 'add' };
          }}
        >
          Add a source
        </button>
      </div>
      <div className="griffin-search" role="search">
        <label htmlFor="griffin-feature-search" className="griffin-sr-only">
          Search features
        </label>
        <input
          id="griffin-feature-search"
          className="griffin-input griffin-search-input"
          type="search"
          placeholder="Search views, features, descriptions"
          value={filters.q}
          autoComplete="off"
          spellCheck={false}
          data-griffin-input="feature-search"
          onChange={event => model.setFilters({ q: event.target.value })}
        />
        <details
          className="griffin-filters"
          open={filtersOpen}
          onToggle={event =>
            setFiltersOpen((event.target as HTMLDetailsElement).open)
          }
        >
          <summary>
            Filters
            {activeFilters > 0 ? (
              <span className="griffin-count">{activeFilters}</span>
            ) : null}
          </summary>
          <div className="griffin-filter-fields">
            <FilterField
              id="griffin-feature-filter-tag"
              label="Tag"
              value={filters.tag}
              placeholder="key or key=value"
              options={options.tags}
              onChange={tag => model.setFilters({ tag })}
            />
            <FilterField
              id="griffin-feature-filter-owner"
              label="Owner"
              value={filters.owner}
              placeholder="team or email"
              options={options.owners}
              onChange={owner => model.setFilters({ owner })}
            />
            <FilterField
              id="griffin-feature-filter-entity"
              label="Entity"
              value={filters.entity}
              placeholder="entity or join key"
              options={options.entities}
              onChange={entity => model.setFilters({ entity })}
            />
            {activeFilters > 0 ? (
              <button
                type="button"
                className="griffin-link-button"
                onClick={() =>
                  model.setFilters({ tag: '', owner: '', entity: '' })
                }
              >
                Clear filters
              </button>
            ) : null}
          </div>
        </details>
      </div>

      {results.error ? (
        <ErrorBox title="Could not search the feature catalogue" error={results.error} />
      ) : null}

      <div
        className="griffin-results"
        aria-busy={!settled}
        data-griffin-settled={String(settled)}
      >
        {data === null && !results.error ? (
          <Loading label="Loading the feature catalogue…" />
        ) : null}
        {data !== null ? (
          <div className="griffin-results-count" role="status">
            {views.length} feature view{views.length === 1 ? '' : 's'} ·{' '}
            {services.length} feature service{services.length === 1 ? '' : 's'}
          </div>
        ) : null}
        {data !== null && views.length === 0 && services.length === 0 ? (
          <p className="griffin-muted">
            {query.q || activeFilters
              ? 'Nothing matches. Try other words or clear the filters.'
              : 'The catalogue is empty. Add a source to create a feature view.'}
          </p>
        ) : null}
        {views.length > 0 ? (
          <ul className="griffin-card-list" aria-label="Feature views">
            {views.map(view => (
              <ViewResult
                key={view.name}
                view={view}
                query={filters.q}
                onOpen={() => model.openView(view.name)}
              />
            ))}
          </ul>
        ) : null}
        {services.length > 0 ? (
          <>
            <h4 className="griffin-subtitle">Feature services</h4>
            <ul className="griffin-card-list" aria-label="Feature services">
              {services.map(service => (
                <ServiceResult
                  key={service.name}
                  service={service}
                  query={filters.q}
                  onOpenView={name => model.openView(name)}
                />
              ))}
            </ul>
          </>
        ) : null}
      </div>
      <FeatureServerCard />
    </div>
  );
}

/* ------------------------------------------------------------------ */
/* The online feature server                                          */
/* ------------------------------------------------------------------ */

const SERVER_WORKERS = [1, 2, 4, 8];

function FeatureServerCard(): JSX.Element {
  const server = useRequest(() => fetchFeatureServer(), 'server');
  const [workers, setWorkers] = React.useState(2);
  const [busy, setBusy] = React.useState<'start' | 'stop' | null>(null);
  const [error, setError] = React.useState<{
    title: string;
    error: IShownError;
  } | null>(null);
  const [copied, setCopied] = React.useState(false);
  const info = server.data;

  const act = async (
    what: 'start' | 'stop',
    call: () => Promise<FeatureServerInfo>
  ): Promise<void> => {
    setBusy(what);
    setError(null);
    setCopied(false);
    try {
      server.setData(await call());
    } catch (reason) {
      setError({
        title: what === 'stop' ? 'Could not stop the server' : 'The server did not start',
        error: toShownError(reason)
      });
      server.reload();
    } finally {
      setBusy(null);
    }
  };

  const copyCurl = async (running: FeatureServerInfo): Promise<void> => {
    const body = JSON.stringify({
      feature_service: 'SERVICE',
      entities: { user_id: [1] }
    });
    const command =
      `curl -s ${running.url}${running.online_path} ` +
      `-H 'Authorization: token ${running.token}' -d '${body}'`;
    await navigator.clipboard.writeText(command);
    setCopied(true);
  };

  return (
    <section
      className="griffin-detail-section griffin-feature-server"
      aria-labelledby="griffin-feature-server-title"
      data-griffin-feature-server={
        info === null ? 'loading' : info.running ? 'running' : 'stopped'
      }
    >
      <div className="griffin-section-head">
        <h4 className="griffin-subtitle" id="griffin-feature-server-title">
          Online feature server
        </h4>
      </div>
      <p className="griffin-muted">
        Online reads for applications, answered by worker processes beside
        Jupyter: the same request as <code>features/online</code>, with the
        server's own token.
      </p>
      {server.error ? (
        <ErrorBox title="Could not read the server's state" error={server.error} />
      ) : null}
      {info?.running ? (
        <dl className="griffin-detail-facts">
          <Fact label="Status">
            <StatusText status="running" />
          </Fact>
          <Fact label="URL">
            <code data-griffin-feature-server-url>{`${info.url}${info.online_path}`}</code>
          </Fact>
          <Fact label="Workers">{info.workers}</Fact>
          <Fact label="Started">
            <Time iso={info.started_at} />
          </Fact>
        </dl>
      ) : info ? (
        <p>
          <StatusText status="stopped" />
        </p>
      ) : null}
      <div className="griffin-actions">
        {info?.running ? (
          <>
            <button
              type="button"
              className="griffin-button"
              data-griffin-action="copy-feature-server-curl"
              onClick={() => void copyCurl(info)}
            >
              {copied ? 'Copied' : 'Copy a curl command'}
            </button>
            <button
              type="button"
              className="griffin-button"
              data-griffin-action="stop-feature-server"
              disabled={busy !== null}
              onClick={() => void act('stop', () => stopFeatureServer())}
            >
              {busy === 'stop' ? 'Stopping…' : 'Stop'}
            </button>
          </>
        ) : (
          <>
            <label className="griffin-inline-field">
              Workers{' '}
              <select
                className="griffin-input"
                value={workers}
                data-griffin-input="feature-server-workers"
                onChange={event => setWorkers(Number(event.target.value))}
              >
                {SERVER_WORKERS.map(n => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              className="griffin-button griffin-button-primary"
              data-griffin-action="start-feature-server"
              disabled={busy !== null || info === null}
              onClick={() => void act('start', () => startFeatureServer(workers))}
            >
              {busy === 'start' ? 'Starting…' : 'Start'}
            </button>
          </>
        )}
      </div>
      {error ? <ErrorBox title={error.title} error={error.error} /> : null}
    </section>
  );
}

function Chips(props: {
  items: string[];
  className?: string;
  title?: (item: string) => string | undefined;
}): JSX.Element | null {
  if (props.items.length === 0) {
    return null;
  }
  return (
    <span className="griffin-chips">
      {props.items.map(item => (
        <span
          key={item}
          className={`griffin-chip ${props.className ?? ''}`}
          title={props.title?.(item)}
        >
          {item}
        </span>
      ))}
    </span>
  );
}

function ViewResult(props: {
  view: FeatureViewSummary;
  query: string;
  onOpen: () => void;
}): JSX.Element {
  const { view, query, onOpen } = props;
  const matched = view.matched_features ?? [];
  return (
    <li className="griffin-card" data-feature-view={view.name}>
      <button
        type="button"
        className="griffin-card-button"
        aria-label={`Open feature view ${view.name}`}
        onClick={onOpen}
      >
        <span className="griffin-card-title">
          <Highlight text={view.name} query={query} />
        </span>
        {view.description ? (
          <span className="griffin-card-text">
            <Highlight text={view.description} query={query} />
          </span>
        ) : null}
        <span className="griffin-card-meta">
          <Chips items={view.entities} className="griffin-chip-entity" />
          <span>
            {view.features.length} feature
            {view.features.length === 1 ? '' : 's'}
          </span>
          {view.owner ? (
            <span className="griffin-card-owner" title="Owner">
              {view.owner}
            </span>
          ) : null}
        </span>
        {matched.length > 0 ? (
          <span className="griffin-card-matches">
            <span className="griffin-muted">Matches</span>
            {matched.map(name => (
              <mark
                key={name}
                className="griffin-chip griffin-chip-match"
                data-matched-feature={name}
              >
                {name}
              </mark>
            ))}
          </span>
        ) : null}
      </button>
    </li>
  );
}

function ServiceResult(props: {
  service: FeatureServiceInfo;
  query: string;
  onOpenView: (name: string) => void;
}): JSX.Element {
  const { service, query, onOpenView } = props;
  const byView = new Map<string, string[]>();
  for (const ref of service.features) {
    const [view, feature] = ref.includes(':') ? ref.split(':', 2) : ['', ref];
    byView.set(view, [...(byView.get(view) ?? []), feature]);
  }
  return (
    <li className="griffin-card griffin-card-static" data-feature-service={service.name}>
      <span className="griffin-card-title">
        <span className="griffin-kind">service</span>
        <Highlight text={service.name} query={query} />
      </span>
      {service.description ? (
        <span className="griffin-card-text">
          <Highlight text={service.description} query={query} />
        </span>
      ) : null}
      <span className="griffin-card-meta">
        <span>
          {service.features.length} feature
          {service.features.length === 1 ? '' : 's'} from {byView.size} view
          {byView.size === 1 ? '' : 's'}
        </span>
        {service.owner ? (
          <span className="griffin-card-owner" title="Owner">
            {service.owner}
          </span>
        ) : null}
      </span>
      <span className="griffin-chips">
        {Array.from(byView.entries()).map(([view, features]) =>
          view ? (
            <button
              key={view}
              type="button"
              className="griffin-chip griffin-chip-link"
              title={features.join(', ')}
              onClick={() => onOpenView(view)}
            >
              {view} · {features.length}
            </button>
          ) : null
        )}
      </span>
    </li>
  );
}

/* ------------------------------------------------------------------ */
/* One feature view                                                   */
/* ------------------------------------------------------------------ */

function FeatureViewPage(props: {
  name: string;
  onBack: () => void;
  onOpenView: (name: string) => void;
}): JSX.Element {
  const { name, onBack } = props;
  const detail = useRequest(() => fetchFeatureView(name), name);
  const stats = useRequest(() => fetchFeatureStats(name), name);
  const reports = useRequest(() => fetchValidationReports(name, 20), name);
  const [validating, setValidating] = React.useState(false);
  const [latestReport, setLatestReport] = React.useState<number | null>(null);
  const [actionError, setActionError] = React.useState<{
    title: string;
    error: IShownError;
  } | null>(null);
  const [materializing, setMaterializing] = React.useState(false);
  const [materialized, setMaterialized] =
    React.useState<MaterializeViewResult | null>(null);

  const validate = async (): Promise<void> => {
    setValidating(true);
    setActionError(null);
    try {
      const report = await validateFeatureView(name);
      setLatestReport(report.id ?? null);
      const previous = reports.data?.reports ?? [];
      reports.setData({
        reports: [report, ...previous.filter(r => r.id !== report.id)]
      });
      reports.reload();
    } catch (error) {
      setActionError({ title: 'Validation did not run', error: toShownError(error) });
    } finally {
      setValidating(false);
    }
  };

  const materialize = async (): Promise<void> => {
    setMaterializing(true);
    setActionError(null);
    try {
      const result = await materializeFeatures([name], true);
      setMaterialized(result.views.find(v => v.feature_view === name) ?? null);
      detail.reload();
      reports.reload();
    } catch (error) {
      setActionError({
        title: 'Materialization failed',
        error: toShownError(error)
      });
    } finally {
      setMaterializing(false);
    }
  };

  const heading = React.useRef<HTMLHeadingElement>(null);
  React.useEffect(() => {
    heading.current?.focus();
  }, []);

  const view = detail.data;
  return (
    <div
      className="griffin-detail"
      data-griffin-view="feature-view-detail"
      data-feature-view={name}
      aria-busy={detail.loading}
    >
      <BackToList onClick={onBack} />
      <div className="griffin-detail-head">
        <h3 className="griffin-detail-title" tabIndex={-1} ref={heading}>
          {name}
        </h3>
        {view ? (
          <span
            className={`griffin-badge ${
              view.online ? 'griffin-badge-online' : 'griffin-badge-offline'
            }`}
            title={
              view.online
                ? 'Materialized to the online store for low-latency reads'
                : 'Offline only: training sets, no online reads'
            }
          >
            {view.online ? 'online' : 'offline'}
          </span>
        ) : null}
      </div>
      {detail.error ? (
        <ErrorBox title={`Could not load ${name}`} error={detail.error} />
      ) : null}
      {view === null && !detail.error ? (
        <Loading label="Loading the feature view…" />
      ) : null}
      {view ? (
        <>
          {view.description ? (
            <p className="griffin-detail-description">{view.description}</p>
          ) : null}
          <div className="griffin-actions">
            <button
              type="button"
              className="griffin-button griffin-button-primary"
              data-griffin-action="validate"
              disabled={validating}
              onClick={() => void validate()}
            >
              {validating ? 'Validating…' : 'Validate now'}
            </button>
            {view.online ? (
              <button
                type="button"
                className="griffin-button"
                data-griffin-action="materialize"
                disabled={materializing}
                title="Validate new rows and load them into the online store"
                onClick={() => void materialize()}
              >
                {materializing ? 'Materializing…' : 'Materialize'}
              </button>
            ) : null}
          </div>
          {actionError ? (
            <ErrorBox title={actionError.title} error={actionError.error} />
          ) : null}
          {materialized ? (
            <div
              className="griffin-notice"
              role="status"
              data-griffin-materialized={materialized.status}
            >
              Materialization {materialized.status}:{' '}
              {materialized.rows.toLocaleString()} rows in{' '}
              {materialized.seconds.toFixed(1)} s
            </div>
          ) : null}
          <Facts view={view} />
          <Section title="Schema" name="schema">
            <SchemaTable view={view} />
          </Section>
          <Section
            title="Statistics"
            name="stats"
            extra={
              stats.data ? (
                <span className="griffin-muted">
                  {stats.data.rows.toLocaleString()} rows ·{' '}
                  <Time iso={stats.data.computed_at} />
                </span>
              ) : null
            }
          >
            {stats.error ? (
              <ErrorBox title="Could not compute statistics" error={stats.error} />
            ) : stats.data === null ? (
              <Loading label="Computing statistics…" />
            ) : (
              <div className="griffin-stats-grid">
                {stats.data.features.map(feature => (
                  <StatsCard key={feature.name} stats={feature} />
                ))}
              </div>
            )}
          </Section>
          <Section title="Validation" name="validation">
            <RuleList rules={view.rules} />
            <Reports
              reports={reports.data?.reports ?? null}
              error={reports.error}
              latest={latestReport}
            />
          </Section>
          <Section title="Materializations" name="materializations">
            <Materializations view={view} />
          </Section>
          <Section title="Used by" name="used-by">
            {view.used_by.length === 0 ? (
              <p className="griffin-muted">
                No training run or model has used this view yet.
              </p>
            ) : (
              <ul className="griffin-plain-list">
                {view.used_by.map((usage, i) => (
                  <li key={i}>
                    <span className="griffin-kind">{usage.used_by_kind}</span>{' '}
                    <code>{usage.used_by_id}</code>{' '}
                    <span className="griffin-muted">
                      {usage.feature_ref} · <Time iso={usage.created_at} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Section>
          <Section title="Sample rows" name="sample">
            <SampleRows name={name} />
          </Section>
        </>
      ) : null}
    </div>
  );
}

function Facts(props: { view: FeatureViewDetail }): JSX.Element {
  const { view } = props;
  const joinKeys = new Map(view.entity_details.map(e => [e.name, e]));
  const tags = Object.entries(view.tags ?? {}).map(([k, v]) =>
    v ? `${k}=${v}` : k
  );
  return (
    <dl className="griffin-detail-facts">
      <Fact label="Owner">{view.owner || '—'}</Fact>
      <Fact label="Entities">
        <Chips
          items={view.entities}
          className="griffin-chip-entity"
          title={entity => {
            const info = joinKeys.get(entity);
            return info
              ? `join key ${info.join_key} (${info.value_type})`
              : undefined;
          }}
        />
      </Fact>
      <Fact label="Tags">
        {tags.length ? <Chips items={tags} /> : '—'}
      </Fact>
      <Fact label="TTL">
        <span title={`${view.ttl_seconds} seconds`}>
          {formatTtl(view.ttl_seconds)}
        </span>
      </Fact>
      <Fact label="Rows">{formatNumber(view.row_count)}</Fact>
      <Fact label="Materialized">
        {view.last_materialized_at ? (
          <Time iso={view.last_materialized_at} />
        ) : view.online ? (
          'never'
        ) : (
          'offline only'
        )}
      </Fact>
      <Fact label="Timestamp">
        <code>{view.timestamp_field}</code>
      </Fact>
      <Fact label="Definition">
        <PathValue path={view.definition_file} />
      </Fact>
      <Fact label="Data">
        <PathValue path={view.source_path} />
      </Fact>
    </dl>
  );
}

function SchemaTable(props: { view: FeatureViewDetail }): JSX.Element {
  const { view } = props;
  return (
    <div className="griffin-table-wrap">
      <table className="griffin-table griffin-schema">
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Type</th>
          </tr>
        </thead>
        <tbody>
          {view.entity_details.map(entity => (
            <tr key={`key:${entity.join_key}`} className="griffin-schema-key">
              <th scope="row">
                <code>{entity.join_key}</code>
                <span className="griffin-kind">key</span>
                <div className="griffin-schema-description">
                  {entity.description || `Entity ${entity.name}`}
                </div>
              </th>
              <td>{entity.value_type.toLowerCase()}</td>
            </tr>
          ))}
          {view.features.map(feature => (
            <tr key={feature.name} data-feature={feature.name}>
              <th scope="row">
                <code>{feature.name}</code>
                {feature.description ? (
                  <div className="griffin-schema-description">
                    {feature.description}
                  </div>
                ) : null}
              </th>
              <td>{feature.dtype}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function StatsCard(props: { stats: FeatureStats }): JSX.Element {
  const { stats } = props;
  const numeric = typeof stats.mean === 'number';
  return (
    <div className="griffin-stats-card" data-feature-stats={stats.name}>
      <div className="griffin-stats-head">
        <code className="griffin-stats-name" title={stats.name}>
          {stats.name}
        </code>
        <span className="griffin-muted">{stats.dtype}</span>
      </div>
      <div className="griffin-stats-body">
        <div className="griffin-stats-chart">
          <HistogramChart feature={stats.name} histogram={stats.histogram} />
        </div>
        <dl className="griffin-stats-facts">
          <div>
            <dt>count</dt>
            <dd>{formatNumber(stats.count)}</dd>
          </div>
          <div>
            <dt>null</dt>
            <dd
              className={
                stats.null_fraction > 0 ? 'griffin-stats-nulls' : undefined
              }
            >
              {formatPercent(stats.null_fraction)}
            </dd>
          </div>
          {numeric || stats.min !== null ? (
            <>
              <div>
                <dt>min</dt>
                <dd>{formatValue(stats.min)}</dd>
              </div>
              <div>
                <dt>max</dt>
                <dd>{formatValue(stats.max)}</dd>
              </div>
            </>
          ) : null}
          {numeric ? (
            <div title={stats.std !== null ? `std ${formatNumber(stats.std)}` : undefined}>
              <dt>mean</dt>
              <dd>{formatNumber(stats.mean)}</dd>
            </div>
          ) : null}
          <div>
            <dt>distinct</dt>
            <dd>{formatNumber(stats.distinct)}</dd>
          </div>
        </dl>
      </div>
    </div>
  );
}

function Reports(props: {
  reports: ValidationReport[] | null;
  error: IShownError | null;
  latest: number | null;
}): JSX.Element {
  const { reports, error, latest } = props;
  if (error) {
    return <ErrorBox title="Could not load validation reports" error={error} />;
  }
  if (reports === null) {
    return <Loading label="Loading validation reports…" />;
  }
  if (reports.length === 0) {
    return <p className="griffin-muted">No validation reports yet.</p>;
  }
  return (
    <div className="griffin-report-list" aria-label="Validation reports">
      {reports.map((report, i) => (
        <ReportView
          key={report.id ?? `i${i}`}
          report={report}
          highlight={latest !== null && report.id === latest}
        />
      ))}
    </div>
  );
}

function Materializations(props: { view: FeatureViewDetail }): JSX.Element {
  const { view } = props;
  if (view.materializations.length === 0) {
    return (
      <p className="griffin-muted">
        {view.online
          ? 'Not materialized yet.'
          : 'Offline view: nothing is materialized.'}
      </p>
    );
  }
  return (
    <div className="griffin-table-wrap">
      <table className="griffin-table">
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Status</th>
            <th scope="col" className="griffin-num">
              Rows
            </th>
            <th scope="col">Data up to</th>
          </tr>
        </thead>
        <tbody>
          {view.materializations.map(m => (
            <tr key={m.id} title={m.detail || `by ${m.actor}`}>
              <td>
                <Time iso={m.started_at} />
              </td>
              <td>
                <StatusText status={m.status} />
              </td>
              <td className="griffin-num">{m.rows.toLocaleString()}</td>
              <td>
                <Time iso={m.end} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The first rows of the view, fetched when the section is opened. */
function SampleRows(props: { name: string }): JSX.Element {
  const { name } = props;
  const [open, setOpen] = React.useState(false);
  return (
    <details
      className="griffin-sample"
      onToggle={event => setOpen((event.target as HTMLDetailsElement).open)}
    >
      <summary>Show the first 10 rows</summary>
      {open ? <SampleTable name={name} /> : null}
    </details>
  );
}

function SampleTable(props: { name: string }): JSX.Element {
  const sample = useRequest(() => fetchFeatureSample(props.name, 10), props.name);
  if (sample.error) {
    return <ErrorBox title="Could not load sample rows" error={sample.error} />;
  }
  if (sample.data === null) {
    return <Loading label="Loading rows…" />;
  }
  const { columns, rows } = sample.data;
  return (
    <div className="griffin-table-wrap griffin-table-scroll">
      <table className="griffin-table griffin-sample-table">
        <thead>
          <tr>
            {columns.map(column => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {row.map((cell, j) => (
                <td
                  key={j}
                  className={
                    cell === null ? 'griffin-null' : typeof cell === 'number' ? 'griffin-num' : undefined
                  }
                >
                  {formatValue(cell)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
