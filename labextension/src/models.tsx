/**
 * The "Models" tab: the model registry. A paged, filterable list of
 * registered models (tier badges, health, aliases) with a "needs attention"
 * view, and one model's page (see models-page.tsx) and version comparison
 * (models-compare.tsx).
 */
import React from 'react';

import {
  fetchAttention,
  IModelsQuery,
  ModelInfo,
  ModelsPage,
  ModelsSort,
  searchModels
} from './api';
import {
  ErrorBox,
  Highlight,
  Loading,
  TabRouteModel,
  useDebounced,
  useSignal
} from './common';
import { ModelCompare } from './models-compare';
import {
  Ago,
  AliasChips,
  COMMON_ALIASES,
  HEALTH_STATES,
  HealthDot,
  TIER_NAMES,
  TierBadge,
  useAbortableRequest
} from './models-common';
import { ModelPage } from './models-page';

const SEARCH_DEBOUNCE_MS = 250;
export const MODELS_PAGE_SIZE = 50;

const FRAMEWORKS = [
  'lightgbm',
  'tensorflow',
  'transformers-peft',
  'sklearn',
  'pytorch'
];

const SORTS: ReadonlyArray<[ModelsSort, string]> = [
  ['-updated_at', 'Recently updated'],
  ['tier', 'Most important first'],
  ['name', 'Name A–Z'],
  ['-name', 'Name Z–A'],
  ['-created_at', 'Newest'],
  ['created_at', 'Oldest'],
  ['updated_at', 'Least recently updated'],
  ['-tier', 'Least important first']
];

export type ModelsRoute =
  | { view: 'list' }
  | { view: 'model'; name: string }
  | { view: 'compare'; name: string; versions: number[] };

export interface IModelFilters {
  q: string;
  tiers: number[];
  framework: string;
  team: string;
  owner: string;
  tag: string;
  alias: string;
  health: string;
  sort: ModelsSort;
}

const NO_FILTERS: IModelFilters = {
  q: '',
  tiers: [],
  framework: '',
  team: '',
  owner: '',
  tag: '',
  alias: '',
  health: '',
  sort: '-updated_at'
};

/** The text filters, which are debounced; the rest apply at once. */
const TEXT_FILTERS = ['framework', 'team', 'owner', 'tag', 'alias'] as const;

/**
 * Where the Models tab is (the list, a model, a comparison), the list's
 * filters, page and mode; kept outside React so they survive tab switches.
 */
export class ModelsModel extends TabRouteModel<ModelsRoute> {
  constructor(options: ModelsModel.IOptions = {}) {
    super({ view: 'list' });
    this._openJob = options.openJob ?? null;
    this._openFeatureView = options.openFeatureView ?? null;
  }

  get filters(): IModelFilters {
    return this._filters;
  }

  /** Change filters; the list goes back to its first page. */
  setFilters(filters: Partial<IModelFilters>): void {
    this._filters = { ...this._filters, ...filters };
    this._offset = 0;
    this._changed.emit();
  }

  clearFilters(): void {
    this.setFilters({ ...NO_FILTERS, q: this._filters.q, sort: this._filters.sort });
  }

  /** The first row of the page shown. */
  get offset(): number {
    return this._offset;
  }
  set offset(offset: number) {
    this._offset = Math.max(0, offset);
    this._changed.emit();
  }

  /** True: the list shows the models that need attention instead. */
  get attention(): boolean {
    return this._attention;
  }
  set attention(on: boolean) {
    if (on !== this._attention) {
      this._attention = on;
      this._offset = 0;
      this._changed.emit();
    }
  }

  /** Bumped when something here changed the registry (an alias, the card). */
  get generation(): number {
    return this._generation;
  }

  registryChanged(): void {
    this._generation += 1;
    this._changed.emit();
  }

  openModel(name: string): void {
    this.route = { view: 'model', name };
  }

  openCompare(name: string, versions: number[]): void {
    this.route = { view: 'compare', name, versions: [...versions].sort((a, b) => a - b) };
  }

  /** Whether the training job of a version can be opened (the Training tab). */
  get canOpenJob(): boolean {
    return this._openJob !== null;
  }

  openJob(id: string): void {
    this._openJob?.(id);
  }

  get canOpenFeatureView(): boolean {
    return this._openFeatureView !== null;
  }

  openFeatureView(name: string): void {
    this._openFeatureView?.(name);
  }

  /**
   * One level up: from a comparison to its model, from a model to the list
   * (the focus then returns to the model's row).
   */
  back(): void {
    const route = this.route;
    if (route.view === 'compare') {
      this.route = { view: 'model', name: route.name };
      return;
    }
    this._returnFocus = route.view === 'model' ? route.name : '';
    this.route = { view: 'list' };
  }

  private _filters: IModelFilters = { ...NO_FILTERS };
  private _offset = 0;
  private _attention = false;
  private _generation = 0;
  private _openJob: ((id: string) => void) | null;
  private _openFeatureView: ((name: string) => void) | null;
}

export namespace ModelsModel {
  export interface IOptions {
    /** Show a training job (in the Training tab). */
    openJob?: (id: string) => void;
    /** Show a feature view (in the Features tab). */
    openFeatureView?: (name: string) => void;
  }
}

export function ModelsView(props: { model: ModelsModel }): JSX.Element {
  const { model } = props;
  useSignal(model.changed);
  const route = model.route;
  return (
    <section
      className="griffin-models"
      data-griffin-view="models"
      aria-label="Model registry"
    >
      {route.view === 'model' ? (
        <ModelPage key={route.name} name={route.name} model={model} />
      ) : route.view === 'compare' ? (
        <ModelCompare
          key={`${route.name}#${route.versions.join(',')}`}
          name={route.name}
          versions={route.versions}
          model={model}
        />
      ) : (
        <ModelList model={model} />
      )}
    </section>
  );
}

/* ------------------------------------------------------------------ */
/* The list                                                           */
/* ------------------------------------------------------------------ */

function unique(values: Iterable<string | undefined>): string[] {
  return Array.from(
    new Set(Array.from(values).filter((v): v is string => !!v))
  ).sort((a, b) =>
    a.localeCompare(b)
  );
}

function FilterInput(props: {
  name: string;
  label: string;
  value: string;
  placeholder: string;
  options: ReadonlyArray<string>;
  onChange: (value: string) => void;
}): JSX.Element {
  const { name, label, value, placeholder, options, onChange } = props;
  const id = `griffin-model-filter-${name}`;
  return (
    <div className="griffin-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="griffin-input"
        type="text"
        value={value}
        placeholder={placeholder}
        list={`${id}-options`}
        autoComplete="off"
        spellCheck={false}
        data-griffin-input={`model-filter-${name}`}
        onChange={event => onChange(event.target.value)}
      />
      <datalist id={`${id}-options`}>
        {options.map(option => (
          <option key={option} value={option} />
        ))}
      </datalist>
    </div>
  );
}

/** `1–50 of 10,000 models`. */
function rangeText(page: ModelsPage, shown: number, noun: string): string {
  if (page.total === 0) {
    return `No ${noun}`;
  }
  if (shown === 0) {
    return `None here of ${page.total.toLocaleString()} ${noun}`;
  }
  const first = page.offset + 1;
  const last = page.offset + shown;
  return `${first.toLocaleString()}–${last.toLocaleString()} of ${page.total.toLocaleString()} ${noun}`;
}

function Pager(props: {
  page: ModelsPage;
  shown: number;
  disabled: boolean;
  onOffset: (offset: number) => void;
  place: 'top' | 'bottom';
}): JSX.Element | null {
  const { page, shown, disabled, onOffset, place } = props;
  const size = page.limit || MODELS_PAGE_SIZE;
  const hasPrev = page.offset > 0;
  const hasNext = page.offset + shown < page.total;
  if (!hasPrev && !hasNext) {
    return null;
  }
  const lastOffset = Math.max(0, Math.floor((page.total - 1) / size) * size);
  const pageNo = Math.floor(page.offset / size) + 1;
  const pages = Math.floor(lastOffset / size) + 1;
  return (
    <nav
      className={`griffin-model-pager griffin-model-pager-${place}`}
      aria-label={`Pages (${place})`}
    >
      <button
        type="button"
        className="griffin-button griffin-pager-button"
        data-griffin-action="models-first"
        disabled={disabled || !hasPrev}
        title="First page"
        aria-label="First page"
        onClick={() => onOffset(0)}
      >
        «
      </button>
      <button
        type="button"
        className="griffin-button griffin-pager-button"
        data-griffin-action="models-prev"
        disabled={disabled || !hasPrev}
        title="Previous page"
        aria-label="Previous page"
        onClick={() => onOffset(Math.max(0, page.offset - size))}
      >
        ‹<span className="griffin-pager-word"> Prev</span>
      </button>
      <span className="griffin-muted griffin-pager-pages">
        {pageNo.toLocaleString()} / {pages.toLocaleString()}
      </span>
      <button
        type="button"
        className="griffin-button griffin-pager-button"
        data-griffin-action="models-next"
        disabled={disabled || !hasNext}
        title="Next page"
        aria-label="Next page"
        onClick={() => onOffset(page.offset + size)}
      >
        <span className="griffin-pager-word">Next </span>›
      </button>
      <button
        type="button"
        className="griffin-button griffin-pager-button"
        data-griffin-action="models-last"
        disabled={disabled || !hasNext}
        title="Last page"
        aria-label="Last page"
        onClick={() => onOffset(lastOffset)}
      >
        »
      </button>
    </nav>
  );
}

function ModelList(props: { model: ModelsModel }): JSX.Element {
  const { model } = props;
  const filters = model.filters;
  const attention = model.attention;

  // Text is debounced; tier chips, health, sort and paging apply at once.
  const textKey = useDebounced(
    JSON.stringify([
      filters.q.trim(),
      ...TEXT_FILTERS.map(name => filters[name].trim())
    ]),
    SEARCH_DEBOUNCE_MS
  );
  const currentTextKey = JSON.stringify([
    filters.q.trim(),
    ...TEXT_FILTERS.map(name => filters[name].trim())
  ]);
  const [q, framework, team, owner, tag, alias] = JSON.parse(textKey) as string[];
  const tiers = [...filters.tiers].sort();
  const query: IModelsQuery = {
    q,
    framework,
    team,
    owner,
    tag,
    alias,
    tiers,
    health: filters.health,
    sort: filters.sort,
    limit: MODELS_PAGE_SIZE,
    offset: model.offset
  };
  const key = attention
    ? `attention#${model.offset}#${model.generation}`
    : `${JSON.stringify(query)}#${model.generation}`;
  const results = useAbortableRequest<ModelsPage>(
    signal =>
      attention
        ? fetchAttention(MODELS_PAGE_SIZE, model.offset, signal)
        : searchModels(query, signal),
    key
  );
  // How many need attention, for the toggle.
  const attentionCount = useAbortableRequest<ModelsPage>(
    signal => fetchAttention(1, 0, signal),
    `attention-count#${model.generation}`
  );

  const settled =
    !results.loading &&
    results.key === key &&
    (attention || textKey === currentTextKey);
  const page = results.data;
  const items = page?.items ?? [];

  const activeFilters =
    TEXT_FILTERS.filter(name => filters[name].trim()).length +
    (filters.health ? 1 : 0);
  const [filtersOpen, setFiltersOpen] = React.useState(activeFilters > 0);
  const options = React.useMemo(
    () => ({
      teams: unique(items.map(m => m.team)),
      owners: unique(items.map(m => m.owner)),
      tags: unique(items.flatMap(m => m.tags)),
      aliases: unique([
        ...COMMON_ALIASES,
        ...items.flatMap(m => Object.keys(m.aliases ?? {}))
      ]),
      frameworks: unique([...FRAMEWORKS, ...items.map(m => m.framework)])
    }),
    [page]
  );

  const root = React.useRef<HTMLDivElement>(null);
  const listRef = React.useRef<HTMLUListElement>(null);
  const returnFocus = React.useRef<string | null>(model.takeReturnFocus());
  React.useEffect(() => {
    const target = returnFocus.current;
    if (target === null || !root.current) {
      return;
    }
    const row = target
      ? root.current.querySelector<HTMLElement>(
          `[data-model-name="${CSS.escape(target)}"] button`
        )
      : null;
    if (row || page !== null || !target) {
      returnFocus.current = null;
      (row ?? root.current.querySelector<HTMLElement>('#griffin-model-search'))?.focus();
    }
  }, [page]);

  const goTo = (offset: number): void => {
    model.offset = offset;
    root.current
      ?.querySelector('.griffin-model-results')
      ?.scrollIntoView({ block: 'nearest' });
  };

  const toggleTier = (tier: number): void => {
    const next = filters.tiers.includes(tier)
      ? filters.tiers.filter(t => t !== tier)
      : [...filters.tiers, tier];
    model.setFilters({ tiers: next });
  };

  /** Arrow keys move between rows; Home/End to the first and last. */
  const onListKey = (event: React.KeyboardEvent<HTMLUListElement>): void => {
    const buttons = Array.from(
      listRef.current?.querySelectorAll<HTMLElement>(
        '.griffin-model-row > button'
      ) ?? []
    );
    const at = buttons.indexOf(document.activeElement as HTMLElement);
    if (at < 0) {
      return;
    }
    let next = -1;
    switch (event.key) {
      case 'ArrowDown':
        next = Math.min(buttons.length - 1, at + 1);
        break;
      case 'ArrowUp':
        next = Math.max(0, at - 1);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = buttons.length - 1;
        break;
      default:
        return;
    }
    event.preventDefault();
    buttons[next]?.focus();
  };

  const needAttention = attentionCount.data?.total ?? null;
  const noun = attention ? 'models need attention' : 'models';
  return (
    <div className="griffin-model-list-view" ref={root}>
      <div className="griffin-section-head">
        <h3 className="griffin-section-title">Model registry</h3>
        <button
          type="button"
          className="griffin-button"
          data-griffin-action="refresh-models"
          title="Load the list again"
          onClick={() => model.registryChanged()}
        >
          {results.loading ? 'Loading…' : 'Refresh'}
        </button>
      </div>
      <div className="griffin-segments griffin-model-modes" role="group" aria-label="Show">
        <button
          type="button"
          className={`griffin-segment${attention ? '' : ' griffin-mod-selected'}`}
          aria-pressed={!attention}
          data-griffin-action="models-all"
          onClick={() => (model.attention = false)}
        >
          All models
        </button>
        <button
          type="button"
          className={`griffin-segment griffin-model-attention-toggle${
            attention ? ' griffin-mod-selected' : ''
          }`}
          aria-pressed={attention}
          data-griffin-action="models-attention"
          title="Unhealthy models, most important tier and most severe first"
          onClick={() => (model.attention = true)}
        >
          Needs attention
          {needAttention !== null ? (
            <span
              className={`griffin-count${
                needAttention > 0 ? ' griffin-count-warn' : ''
              }`}
              data-attention-count={needAttention}
            >
              {needAttention.toLocaleString()}
            </span>
          ) : null}
        </button>
      </div>

      {attention ? (
        <p className="griffin-muted">
          Models whose health is warning or critical, tier 0 first, then the
          most severe. Filters do not apply here.
        </p>
      ) : (
        <div className="griffin-search" role="search">
          <label htmlFor="griffin-model-search" className="griffin-sr-only">
            Search models
          </label>
          <input
            id="griffin-model-search"
            className="griffin-input griffin-search-input"
            type="search"
            placeholder="Search models"
            title="Words in names, descriptions, use cases, teams or tags"
            value={filters.q}
            autoComplete="off"
            spellCheck={false}
            data-griffin-input="model-search"
            onChange={event => model.setFilters({ q: event.target.value })}
          />
          <div
            className="griffin-model-tiers"
            role="group"
            aria-label="Importance tiers"
          >
            {TIER_NAMES.map((name, tier) => {
              const on = filters.tiers.includes(tier);
              return (
                <button
                  key={tier}
                  type="button"
                  className={`griffin-tier-chip griffin-tier-${tier}${
                    on ? ' griffin-mod-selected' : ''
                  }`}
                  aria-pressed={on}
                  data-tier-filter={tier}
                  title={`Tier ${tier}: ${name}`}
                  onClick={() => toggleTier(tier)}
                >
                  T{tier}
                  <span className="griffin-tier-chip-name">{name}</span>
                </button>
              );
            })}
          </div>
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
              <FilterInput
                name="framework"
                label="Framework"
                value={filters.framework}
                placeholder="lightgbm"
                options={options.frameworks}
                onChange={framework => model.setFilters({ framework })}
              />
              <FilterInput
                name="team"
                label="Team"
                value={filters.team}
                placeholder="search"
                options={options.teams}
                onChange={team => model.setFilters({ team })}
              />
              <FilterInput
                name="owner"
                label="Owner"
                value={filters.owner}
                placeholder="user name"
                options={options.owners}
                onChange={owner => model.setFilters({ owner })}
              />
              <FilterInput
                name="tag"
                label="Tag"
                value={filters.tag}
                placeholder="realtime"
                options={options.tags}
                onChange={tag => model.setFilters({ tag })}
              />
              <FilterInput
                name="alias"
                label="Has alias"
                value={filters.alias}
                placeholder="production"
                options={options.aliases}
                onChange={alias => model.setFilters({ alias })}
              />
              <div className="griffin-field">
                <label htmlFor="griffin-model-filter-health">Health</label>
                <select
                  id="griffin-model-filter-health"
                  className="griffin-input griffin-select"
                  value={filters.health}
                  data-griffin-input="model-filter-health"
                  onChange={event => model.setFilters({ health: event.target.value })}
                >
                  <option value="">any</option>
                  {HEALTH_STATES.map(state => (
                    <option key={state} value={state}>
                      {state}
                    </option>
                  ))}
                </select>
              </div>
              {activeFilters > 0 ? (
                <button
                  type="button"
                  className="griffin-link-button"
                  data-griffin-action="clear-model-filters"
                  onClick={() => model.clearFilters()}
                >
                  Clear filters
                </button>
              ) : null}
            </div>
          </details>
        </div>
      )}

      {results.error ? (
        <ErrorBox title="Could not load models" error={results.error} />
      ) : null}

      <div
        className="griffin-results griffin-model-results"
        aria-busy={!settled}
        data-griffin-settled={String(settled)}
        data-models-total={page?.total ?? ''}
      >
        {page === null && !results.error ? (
          <Loading label="Loading models…" />
        ) : null}
        {page !== null ? (
          <div className="griffin-model-results-head">
            <div
              className="griffin-results-count"
              role="status"
              data-models-range
            >
              {rangeText(page, items.length, noun)}
            </div>
            {!attention ? (
              <label className="griffin-model-sort">
                <span className="griffin-sr-only">Sort</span>
                <select
                  className="griffin-input griffin-select"
                  value={filters.sort}
                  data-griffin-input="model-sort"
                  title="Order of the list"
                  onChange={event =>
                    model.setFilters({ sort: event.target.value as ModelsSort })
                  }
                >
                  {SORTS.map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
          </div>
        ) : null}
        {page !== null && items.length === 0 ? (
          attention ? (
            <p className="griffin-muted" data-griffin-empty="attention">
              Every model is healthy.
            </p>
          ) : page.total === 0 && model.offset === 0 ? (
            <EmptyModels filtered={currentTextKey !== '["","","","","",""]' ||
              filters.tiers.length > 0 || !!filters.health} />
          ) : null
        ) : null}
        {page !== null ? (
          <Pager
            page={page}
            shown={items.length}
            disabled={!settled}
            onOffset={goTo}
            place="top"
          />
        ) : null}
        {items.length > 0 ? (
          <ul
            className="griffin-card-list griffin-model-list"
            aria-label={attention ? 'Models that need attention' : 'Models'}
            ref={listRef}
            onKeyDown={onListKey}
          >
            {items.map(info => (
              <ModelRow
                key={info.name}
                info={info}
                query={attention ? '' : q}
                attention={attention}
                onOpen={() => model.openModel(info.name)}
              />
            ))}
          </ul>
        ) : null}
        {page !== null && items.length > 10 ? (
          <Pager
            page={page}
            shown={items.length}
            disabled={!settled}
            onOffset={goTo}
            place="bottom"
          />
        ) : null}
      </div>
    </div>
  );
}

function EmptyModels(props: { filtered: boolean }): JSX.Element {
  if (props.filtered) {
    return (
      <p className="griffin-muted" data-griffin-empty="models-filtered">
        No model matches these filters.
      </p>
    );
  }
  return (
    <div className="griffin-empty" data-griffin-empty="models">
      <p className="griffin-empty-title">No registered models yet.</p>
      <p>
        A training job with <code>register_as</code> registers its model here;
        so does a model file from a notebook or a terminal:
      </p>
      <pre className="griffin-code">griffin models register NAME PATH</pre>
    </div>
  );
}

function ModelRow(props: {
  info: ModelInfo;
  query: string;
  attention: boolean;
  onOpen: () => void;
}): JSX.Element {
  const { info, query, attention, onOpen } = props;
  const words = query.trim().split(/\s+/)[0] ?? '';
  return (
    <li
      className={`griffin-card griffin-model-row griffin-model-row-${info.health}`}
      data-model-name={info.name}
      data-model-tier={info.tier}
    >
      <button
        type="button"
        className="griffin-card-button"
        aria-label={`Open model ${info.name} (tier ${info.tier}, health ${info.health})`}
        onClick={onOpen}
      >
        <span className="griffin-model-row-head">
          <HealthDot health={info.health} reason={info.health_reason} />
          <span className="griffin-card-title griffin-model-name" title={info.name}>
            <Highlight text={info.name} query={words} />
          </span>
          <TierBadge tier={info.tier} />
        </span>
        {attention && info.health_reason ? (
          <span
            className={`griffin-model-reason griffin-health-text-${info.health}`}
          >
            {info.health}: {info.health_reason}
          </span>
        ) : null}
        <span className="griffin-card-meta">
          {info.team ? <span title="Team">{info.team}</span> : null}
          <span className="griffin-card-owner" title="Owner">
            {info.owner}
          </span>
          <span title="Latest version">
            {info.latest_version !== null ? `v${info.latest_version}` : 'no versions'}
          </span>
          {info.framework ? (
            <span className="griffin-kind griffin-model-framework">{info.framework}</span>
          ) : null}
          <span title="Updated">
            <Ago iso={info.updated_at} />
          </span>
        </span>
        <AliasChips aliases={info.aliases} />
      </button>
    </li>
  );
}
