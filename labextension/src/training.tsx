/**
 * The "Training" tab: training jobs on Ray, newest first, and one job's
 * status, live metrics chart, log tail, workers, trials and registered
 * model, with cancel and re-run with edits.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import React from 'react';

import {
  cancelJob,
  fetchJob,
  fetchJobLogs,
  fetchJobMetrics,
  fetchJobs,
  isActiveJob,
  JobDetail,
  JobInfo,
  JobStatus,
  JobsPage,
  MetricPoint,
  submitJobYaml,
  TrialInfo
} from './api';
import { ILineSeries, LineChart, metricSeriesClass } from './charts';
import {
  BackToList,
  ErrorBox,
  Fact,
  formatDuration,
  formatNumber,
  formatPercent,
  ISectionProps,
  IShownError,
  Loading,
  PathValue,
  Section,
  StatusText,
  TabRouteModel,
  Time,
  toShownError,
  usePolling,
  usePollLoop,
  useSignal
} from './common';

/** Poll period while a job in view is pending or running. */
const ACTIVE_POLL_MS = 2000;
/** Poll period of the metrics of a running job. */
const METRICS_POLL_MS = 1500;
/** Points asked for per metrics request. */
const METRICS_PAGE = 20000;
const LOG_TAIL = 200;
const JOBS_PAGE = 50;

const JOB_STATES: ReadonlyArray<JobStatus> = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'cancelled'
];

export type TrainingRoute = { view: 'list' } | { view: 'detail'; id: string };

/**
 * Where the Training tab is (the job list or one job) and the list's status
 * filter; kept outside React so they survive tab switches.
 */
export class TrainingModel extends TabRouteModel<TrainingRoute> {
  constructor(options: TrainingModel.IOptions = {}) {
    super({ view: 'list' });
    this._refreshSeconds = options.refreshSeconds ?? (() => 0);
    this._isVisible = options.isVisible ?? (() => true);
  }

  /** The status the job list is filtered by; `''` for all. */
  get statusFilter(): JobStatus | '' {
    return this._status;
  }
  set statusFilter(status: JobStatus | '') {
    this._status = status;
    this._changed.emit();
  }

  /** The settings' refresh interval in seconds (0: no automatic refresh). */
  refreshSeconds(): number {
    return this._refreshSeconds();
  }

  /** Whether the sidebar is shown; polling pauses while it is not. */
  isVisible(): boolean {
    return !document.hidden && this._isVisible();
  }

  openJob(id: string): void {
    this.route = { view: 'detail', id };
  }

  /** Back to the list; focus then returns to the job that was open. */
  back(): void {
    const route = this.route;
    this._returnFocus = route.view === 'detail' ? route.id : null;
    this.route = { view: 'list' };
  }

  private _status: JobStatus | '' = '';
  private _refreshSeconds: () => number;
  private _isVisible: () => boolean;
}

export namespace TrainingModel {
  export interface IOptions {
    /** The refresh interval of the other tabs, in seconds. */
    refreshSeconds?: () => number;
    isVisible?: () => boolean;
  }
}

export function TrainingView(props: { model: TrainingModel }): JSX.Element {
  const { model } = props;
  useSignal(model.changed);
  const route = model.route;
  return (
    <section
      className="griffin-training"
      data-griffin-view="training"
      aria-label="Training jobs"
    >
      {route.view === 'detail' ? (
        <JobPage key={route.id} id={route.id} model={model} />
      ) : (
        <JobList model={model} />
      )}
    </section>
  );
}

/* ------------------------------------------------------------------ */
/* Badges                                                             */
/* ------------------------------------------------------------------ */

function StatusBadge(props: { status: string }): JSX.Element {
  const { status } = props;
  const known = (JOB_STATES as ReadonlyArray<string>).includes(status);
  return (
    <span
      className={`griffin-badge griffin-job-badge griffin-job-${
        known ? status : 'unknown'
      }`}
      data-job-status={status}
    >
      {isActiveJob(status) ? (
        <span className="griffin-job-pulse" aria-hidden="true" />
      ) : null}
      {status}
    </span>
  );
}

function ProgressBar(props: { progress: number; label: string }): JSX.Element {
  const fraction = Math.max(0, Math.min(1, props.progress || 0));
  return (
    <div
      className="griffin-progress"
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(fraction * 100)}
      title={formatPercent(fraction)}
    >
      <div
        className="griffin-progress-fill"
        style={{ width: `${fraction * 100}%` }}
      />
    </div>
  );
}

function modelLabel(job: JobInfo): string | null {
  return job.model_name
    ? `${job.model_name}${job.model_version !== null ? ` v${job.model_version}` : ''}`
    : null;
}

/* ------------------------------------------------------------------ */
/* Job list                                                           */
/* ------------------------------------------------------------------ */

function JobList(props: { model: TrainingModel }): JSX.Element {
  const { model } = props;
  const status = model.statusFilter;
  const jobs = usePolling<JobsPage>(
    () => fetchJobs({ status, limit: JOBS_PAGE }),
    `jobs#${status}`,
    page => {
      if (page?.jobs.some(job => isActiveJob(job.status))) {
        return ACTIVE_POLL_MS;
      }
      const seconds = model.refreshSeconds();
      return seconds > 0 ? seconds * 1000 : null;
    },
    () => model.isVisible()
  );

  const root = React.useRef<HTMLDivElement>(null);
  const returnFocus = React.useRef<string | null>(model.takeReturnFocus());
  React.useEffect(() => {
    const target = returnFocus.current;
    if (target === null || !root.current || jobs.data === null) {
      return;
    }
    returnFocus.current = null;
    root.current
      .querySelector<HTMLElement>(`[data-training-job="${CSS.escape(target)}"] button`)
      ?.focus();
  }, [jobs.data]);

  const page = jobs.data;
  const list = page?.jobs ?? [];
  const live = list.some(job => isActiveJob(job.status));
  return (
    <div className="griffin-job-list-view" ref={root}>
      <div className="griffin-section-head">
        <h3 className="griffin-section-title">Training jobs</h3>
        <button
          type="button"
          className="griffin-button"
          data-griffin-action="refresh-jobs"
          title="Load the job list again"
          onClick={jobs.reload}
        >
          {jobs.loading ? 'Loading…' : 'Refresh'}
        </button>
      </div>
      <div className="griffin-job-filter">
        <label htmlFor="griffin-job-status-filter">Status</label>
        <select
          id="griffin-job-status-filter"
          className="griffin-input griffin-select"
          value={status}
          data-griffin-input="job-status-filter"
          onChange={event =>
            (model.statusFilter = event.target.value as JobStatus | '')
          }
        >
          <option value="">all</option>
          {JOB_STATES.map(state => (
            <option key={state} value={state}>
              {state}
            </option>
          ))}
        </select>
      </div>
      {jobs.error ? (
        <ErrorBox title="Could not load training jobs" error={jobs.error} />
      ) : null}
      <div
        className="griffin-results"
        aria-busy={jobs.loading}
        data-griffin-updates={jobs.updates}
      >
        {page === null && !jobs.error ? (
          <Loading label="Loading training jobs…" />
        ) : null}
        {page !== null ? (
          <div className="griffin-results-count" role="status">
            {page.total > list.length
              ? `${list.length} of ${page.total} jobs`
              : `${page.total} job${page.total === 1 ? '' : 's'}`}
            {live ? ' · updating live' : ''}
          </div>
        ) : null}
        {page !== null && list.length === 0 ? (
          status ? (
            <p className="griffin-muted">No {status} jobs.</p>
          ) : (
            <EmptyJobs />
          )
        ) : null}
        {list.length > 0 ? (
          <ul className="griffin-card-list" aria-label="Training jobs">
            {list.map(job => (
              <JobRow key={job.id} job={job} onOpen={() => model.openJob(job.id)} />
            ))}
          </ul>
        ) : null}
      </div>
    </div>
  );
}

function EmptyJobs(): JSX.Element {
  return (
    <div className="griffin-empty" data-griffin-empty="training">
      <p className="griffin-empty-title">No training jobs yet.</p>
      <p>
        Start one from a notebook with a <code>%%griffin train</code> cell
        holding the job spec, or from a terminal:
      </p>
      <pre className="griffin-code">griffin train spec.yaml</pre>
      <p className="griffin-muted">
        Jobs run on Ray; they show up here with their progress, metrics and
        logs.
      </p>
    </div>
  );
}

function JobRow(props: { job: JobInfo; onOpen: () => void }): JSX.Element {
  const { job, onOpen } = props;
  const active = isActiveJob(job.status);
  const model = modelLabel(job);
  return (
    <li
      className={`griffin-card griffin-job-card griffin-job-card-${job.status}`}
      data-training-job={job.id}
      data-job-status={job.status}
    >
      <button
        type="button"
        className="griffin-card-button"
        aria-label={`Open training job ${job.id} (${job.status})`}
        onClick={onOpen}
      >
        <span className="griffin-job-row-head">
          <span className="griffin-card-title griffin-job-name">{job.name}</span>
          <StatusBadge status={job.status} />
        </span>
        <code className="griffin-job-id" title="Job id">
          {job.id}
        </code>
        <span className="griffin-card-meta">
          <span className="griffin-kind griffin-job-runtime">{job.runtime}</span>
          <span title="Running time">
            {job.started_at ? formatDuration(job.duration_s) : 'not started'}
          </span>
          <span>
            <Time iso={job.created_at} />
          </span>
          {job.owner ? (
            <span className="griffin-card-owner" title="Owner">
              {job.owner}
            </span>
          ) : null}
        </span>
        {active ? (
          <span className="griffin-job-live">
            <ProgressBar progress={job.progress} label={`Progress of ${job.id}`} />
            {job.message ? (
              <span className="griffin-muted griffin-job-message">{job.message}</span>
            ) : null}
          </span>
        ) : null}
        {job.status === 'failed' && job.message ? (
          <span className="griffin-job-message griffin-job-message-failed">
            {job.message}
          </span>
        ) : null}
        {model || job.parent_id ? (
          <span className="griffin-card-meta">
            {model ? (
              <span data-griffin-model={model}>
                <span aria-hidden="true">⬢</span> {model}
              </span>
            ) : null}
            {job.parent_id ? (
              <span className="griffin-job-parent" title={`Re-run of ${job.parent_id}`}>
                re-run of <code>{job.parent_id}</code>
              </span>
            ) : null}
          </span>
        ) : null}
      </button>
    </li>
  );
}

/* ------------------------------------------------------------------ */
/* One job                                                            */
/* ------------------------------------------------------------------ */

/** A section of the job page (`data-job-section` = its name). */
function JobSection(props: ISectionProps): JSX.Element {
  return (
    <Section
      {...props}
      idPrefix="griffin-job-section"
      attributes={{ 'data-job-section': props.name }}
    />
  );
}

function JobPage(props: { id: string; model: TrainingModel }): JSX.Element {
  const { id, model } = props;
  const visible = (): boolean => model.isVisible();
  const detail = usePolling<JobDetail>(
    () => fetchJob(id),
    id,
    job => (job !== null && isActiveJob(job.status) ? ACTIVE_POLL_MS : null),
    visible
  );
  const [cancelling, setCancelling] = React.useState(false);
  const [actionError, setActionError] = React.useState<IShownError | null>(null);
  const [editing, setEditing] = React.useState(false);

  const heading = React.useRef<HTMLHeadingElement>(null);
  React.useEffect(() => {
    heading.current?.focus();
  }, []);

  const job = detail.data;
  const active = job !== null && isActiveJob(job.status);

  const cancel = async (): Promise<void> => {
    const answer = await showDialog({
      title: 'Cancel training job?',
      body: `Stop ${id} on Ray. Its partial results are not registered.`,
      buttons: [
        Dialog.cancelButton({ label: 'Keep running' }),
        Dialog.warnButton({ label: 'Cancel job' })
      ]
    });
    if (!answer.button.accept) {
      return;
    }
    setCancelling(true);
    setActionError(null);
    try {
      detail.setData(await cancelJob(id));
    } catch (error) {
      setActionError(toShownError(error));
      detail.reload();
    } finally {
      setCancelling(false);
    }
  };

  return (
    <div
      className="griffin-detail griffin-job-detail"
      data-griffin-view="training-job-detail"
      data-training-job={id}
      data-job-status={job?.status ?? ''}
      data-griffin-updates={detail.updates}
      aria-busy={detail.loading}
    >
      <BackToList label="All jobs" onClick={() => model.back()} />
      <div className="griffin-detail-head">
        <h3 className="griffin-detail-title" tabIndex={-1} ref={heading}>
          {job?.name ?? id}
        </h3>
        {job ? <StatusBadge status={job.status} /> : null}
      </div>
      <code className="griffin-job-id" title="Job id">
        {id}
      </code>
      {detail.error ? (
        <ErrorBox title={`Could not load job ${id}`} error={detail.error} />
      ) : null}
      {job === null && !detail.error ? <Loading label="Loading the job…" /> : null}
      {job ? (
        <>
          {active ? (
            <div className="griffin-job-live griffin-job-live-detail">
              <ProgressBar progress={job.progress} label="Progress" />
              <span className="griffin-muted">{formatPercent(job.progress)}</span>
            </div>
          ) : null}
          {job.message ? (
            <p className="griffin-job-status-message" role="status">
              {job.message}
            </p>
          ) : null}
          <div className="griffin-actions">
            {active ? (
              <button
                type="button"
                className="griffin-button griffin-button-danger"
                data-griffin-action="cancel-job"
                disabled={cancelling}
                onClick={() => void cancel()}
              >
                {cancelling ? 'Cancelling…' : 'Cancel'}
              </button>
            ) : null}
            <button
              type="button"
              className="griffin-button"
              data-griffin-action="rerun"
              aria-expanded={editing}
              onClick={() => setEditing(!editing)}
            >
              Re-run with edits
            </button>
          </div>
          {actionError ? (
            <ErrorBox title="The job was not cancelled" error={actionError} />
          ) : null}
          {editing ? (
            <RerunForm
              job={job}
              onClose={() => setEditing(false)}
              onSubmitted={created => model.openJob(created.id)}
            />
          ) : null}
          {job.status === 'failed' && job.error ? (
            <JobSection title="Error" name="error">
              <pre className="griffin-code griffin-job-error" data-griffin-job-error>
                {job.error}
              </pre>
            </JobSection>
          ) : null}
          <JobSummary job={job} onOpenJob={jobId => model.openJob(jobId)} />
          <JobMetrics job={job} visible={visible} />
          <FinalMetrics job={job} />
          <LlmEvaluation job={job} />
          {job.trials && job.trials.length > 0 ? (
            <JobSection title={`Tuning trials (${job.trials.length})`} name="trials">
              <TrialsTable job={job} trials={job.trials} />
            </JobSection>
          ) : null}
          <LogTail job={job} visible={visible} />
          <JobSection title="Details" name="details">
            <JobFacts job={job} />
          </JobSection>
          <JobSection title="Workers" name="workers">
            <WorkersTable job={job} />
          </JobSection>
          <JobSection title="Spec" name="spec">
            <details className="griffin-sample">
              <summary>Show the job spec (YAML)</summary>
              <pre className="griffin-code">{job.spec_yaml}</pre>
            </details>
          </JobSection>
        </>
      ) : null}
    </div>
  );
}

function str(value: unknown): string | null {
  return value === null || value === undefined || value === ''
    ? null
    : String(value);
}

/** What the job made and how long it took: shown above the charts. */
function JobSummary(props: {
  job: JobDetail;
  onOpenJob: (id: string) => void;
}): JSX.Element {
  const { job, onOpenJob } = props;
  const model = modelLabel(job);
  return (
    <dl className="griffin-detail-facts griffin-job-summary">
      <Fact label="Duration">
        {job.started_at ? formatDuration(job.duration_s) : 'not started'}
      </Fact>
      <Fact label="Model">
        {model ? (
          <span className="griffin-job-model" data-griffin-model={model}>
            {model}
          </span>
        ) : job.status === 'succeeded' ? (
          'not registered'
        ) : (
          '—'
        )}
      </Fact>
      {job.parent_id ? (
        <Fact label="Re-run of">
          <button
            type="button"
            className="griffin-link-button griffin-job-parent"
            data-griffin-parent={job.parent_id}
            onClick={() => onOpenJob(job.parent_id as string)}
          >
            {job.parent_id}
          </button>
        </Fact>
      ) : null}
    </dl>
  );
}

function JobFacts(props: { job: JobDetail }): JSX.Element {
  const { job } = props;
  const data = job.data ?? {};
  const columns = Array.isArray(data['feature_columns'])
    ? (data['feature_columns'] as unknown[]).map(String)
    : [];
  const rows = data['rows'];
  return (
    <dl className="griffin-detail-facts">
      <Fact label="Runtime">{job.runtime}</Fact>
      <Fact label="Owner">{job.owner || '—'}</Fact>
      <Fact label="Created">
        <Time iso={job.created_at} />
      </Fact>
      {job.started_at ? (
        <Fact label="Started">
          <Time iso={job.started_at} />
        </Fact>
      ) : null}
      {job.finished_at ? (
        <Fact label="Finished">
          <Time iso={job.finished_at} />
        </Fact>
      ) : null}
      <Fact label="Data">
        <PathValue path={str(data['uri']) ?? ''} />
      </Fact>
      {rows !== undefined ? <Fact label="Rows">{formatNumber(rows)}</Fact> : null}
      {str(data['label']) ? (
        <Fact label="Label">
          <code>{str(data['label'])}</code>
          {str(data['task']) ? (
            <span className="griffin-muted"> · {str(data['task'])}</span>
          ) : null}
        </Fact>
      ) : null}
      {columns.length > 0 ? (
        <Fact label="Features">
          <span title={columns.join(', ')}>
            {columns.length} column{columns.length === 1 ? '' : 's'}
          </span>
          {job.feature_refs.length > 0 ? (
            <span className="griffin-muted">
              {' '}
              · {job.feature_refs.length} from the feature store
            </span>
          ) : null}
        </Fact>
      ) : null}
      {job.ray_job_id ? (
        <Fact label="Ray job">
          <code title={job.ray_address}>{job.ray_job_id}</code>
        </Fact>
      ) : null}
      <Fact label="Artifacts">
        <PathValue path={job.artifact_uri} />
      </Fact>
    </dl>
  );
}

/* ------------------------------------------------------------------ */
/* Metrics                                                            */
/* ------------------------------------------------------------------ */

interface IMetricsState {
  points: MetricPoint[];
  error: IShownError | null;
  loaded: boolean;
}

/**
 * Every metric point of a job: all at once, then (while the job runs) the
 * new ones every 1.5 s, until the server says the job has finished.
 */
function useMetricPoints(jobId: string, visible: () => boolean): IMetricsState {
  const [state, setState] = React.useState<IMetricsState>({
    points: [],
    error: null,
    loaded: false
  });

  usePollLoop(
    alive => {
      let after = 0;
      let points: MetricPoint[] = [];
      return async () => {
        try {
          const page = await fetchJobMetrics(jobId, after, METRICS_PAGE);
          if (!alive()) {
            return null;
          }
          if (page.points.length > 0) {
            points = points.concat(page.points);
            after = page.last_id;
          }
          setState({ points, error: null, loaded: true });
          if (page.points.length >= METRICS_PAGE) {
            return 0;
          }
          return isActiveJob(page.status) ? METRICS_POLL_MS : null;
        } catch (reason) {
          if (!alive()) {
            return null;
          }
          setState({ points, error: toShownError(reason), loaded: true });
          return 5 * METRICS_POLL_MS;
        }
      };
    },
    [jobId],
    visible
  );
  return state;
}

const SPLIT_PREFIX = /^(train|training|valid|validation|val|eval|test)_/;

/** `valid_auc` → `auc`: the train and validation curves of a metric go together. */
function metricGroup(name: string): string {
  return name.replace(SPLIT_PREFIX, '') || name;
}

/** The metric group shown first: AUC, accuracy, else the first with a validation curve. */
function defaultGroup(groups: Map<string, string[]>): string | null {
  const names = Array.from(groups.keys());
  for (const preferred of ['auc', 'accuracy', 'r2']) {
    if (groups.has(preferred)) {
      return preferred;
    }
  }
  return (
    names.find(g => groups.get(g)?.some(n => n.startsWith('valid'))) ??
    names[0] ??
    null
  );
}

function JobMetrics(props: { job: JobDetail; visible: () => boolean }): JSX.Element {
  const { job, visible } = props;
  const metrics = useMetricPoints(job.id, visible);
  const trials = job.trials ?? [];

  // Points by run ('' is the main run, else a tuning trial) and metric name.
  const byRun = React.useMemo(() => {
    const runs = new Map<string, Map<string, Array<[number, number]>>>();
    for (const p of metrics.points) {
      let run = runs.get(p.trial);
      if (!run) {
        run = new Map();
        runs.set(p.trial, run);
      }
      let series = run.get(p.name);
      if (!series) {
        series = [];
        run.set(p.name, series);
      }
      series.push([p.step, p.value]);
    }
    for (const run of runs.values()) {
      for (const series of run.values()) {
        series.sort((a, b) => a[0] - b[0]);
      }
    }
    return runs;
  }, [metrics.points]);

  const runIds = Array.from(byRun.keys()).sort((a, b) =>
    a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)
  );
  const best = trials.find(t => t.best)?.trial ?? null;
  const [chosenRun, setRun] = React.useState<string | null>(null);
  const run =
    chosenRun !== null && byRun.has(chosenRun)
      ? chosenRun
      : byRun.has('')
        ? ''
        : best !== null && byRun.has(best)
          ? best
          : runIds[0] ?? '';
  const runSeries = byRun.get(run) ?? new Map<string, Array<[number, number]>>();

  const groups = new Map<string, string[]>();
  for (const name of Array.from(runSeries.keys()).sort()) {
    const group = metricGroup(name);
    groups.set(group, [...(groups.get(group) ?? []), name]);
  }
  const [chosenGroup, setGroup] = React.useState<string | null>(null);
  const group =
    chosenGroup !== null && groups.has(chosenGroup)
      ? chosenGroup
      : defaultGroup(groups);
  const names = group !== null ? groups.get(group) ?? [] : [];
  // Validation first: it is the curve that matters.
  names.sort((a, b) => splitRank(a) - splitRank(b) || a.localeCompare(b));
  const series: ILineSeries[] = names.map((name, i) => ({
    id: name,
    label: name,
    points: runSeries.get(name) ?? [],
    colorClass: metricSeriesClass(i),
    dashed: splitRank(name) === 1
  }));

  const active = isActiveJob(job.status);
  return (
    <JobSection
      title="Metrics"
      name="metrics"
      extra={
        active ? (
          <span className="griffin-muted griffin-live-note">
            <span className="griffin-job-pulse" aria-hidden="true" /> live
          </span>
        ) : null
      }
    >
      {metrics.error ? (
        <ErrorBox title="Could not load metrics" error={metrics.error} />
      ) : null}
      {!metrics.loaded ? <Loading label="Loading metrics…" /> : null}
      {metrics.loaded && metrics.points.length === 0 ? (
        <p className="griffin-muted">
          {active
            ? 'No metrics yet: they appear here as the first steps finish.'
            : 'This job recorded no metrics.'}
        </p>
      ) : null}
      {runIds.length > 1 || (runIds.length === 1 && runIds[0] !== '') ? (
        <div className="griffin-field griffin-chart-run">
          <label htmlFor={`griffin-metrics-run-${job.id}`}>Run</label>
          <select
            id={`griffin-metrics-run-${job.id}`}
            className="griffin-input griffin-select"
            value={run}
            data-griffin-input="metrics-run"
            onChange={event => setRun(event.target.value)}
          >
            {runIds.map(id => (
              <option key={id} value={id}>
                {id === '' ? 'main run' : `trial ${id}${id === best ? ' (best)' : ''}`}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {groups.size > 1 ? (
        <div className="griffin-segments" role="group" aria-label="Metric">
          {Array.from(groups.keys()).map(g => (
            <button
              key={g}
              type="button"
              className={`griffin-segment${g === group ? ' griffin-mod-selected' : ''}`}
              aria-pressed={g === group}
              data-metric-group={g}
              onClick={() => setGroup(g)}
            >
              {g}
            </button>
          ))}
        </div>
      ) : null}
      {series.length > 0 ? (
        <LineChart
          title={group ?? ''}
          series={series}
          height={150}
          attrs={{
            chart: 'data-metrics-chart',
            series: 'data-metric-series',
            legend: 'data-legend-metric'
          }}
          hover="recorded"
        />
      ) : null}
    </JobSection>
  );
}

function splitRank(name: string): number {
  if (/^(valid|validation|val|eval)_/.test(name)) {
    return 0;
  }
  if (/^(train|training)_/.test(name)) {
    return 1;
  }
  return 2;
}

/** Final metrics, validation first; counts and timings after the scores. */
function FinalMetrics(props: { job: JobDetail }): JSX.Element | null {
  const { job } = props;
  const entries = Object.entries(job.metrics ?? {}).filter(
    ([, value]) => typeof value === 'number' || typeof value === 'string'
  );
  if (entries.length === 0) {
    return job.status === 'succeeded' ? (
      <JobSection title="Final metrics" name="final-metrics">
        <p className="griffin-muted">No final metrics were recorded.</p>
      </JobSection>
    ) : null;
  }
  entries.sort(
    ([a], [b]) => splitRank(a) - splitRank(b) || a.localeCompare(b)
  );
  return (
    <JobSection title="Final metrics" name="final-metrics">
      <div className="griffin-table-wrap">
        <table className="griffin-table griffin-final-metrics">
          <tbody>
            {entries.map(([name, value]) => (
              <tr key={name} data-metric={name}>
                <th scope="row">
                  <code>{name}</code>
                </th>
                <td className="griffin-num" title={String(value)}>
                  {name.endsWith('_seconds') && typeof value === 'number'
                    ? formatDuration(value)
                    : formatNumber(value, 4)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </JobSection>
  );
}

interface ILlmGeneration {
  prompt?: string;
  before?: string;
  after?: string;
}

/** An LLM job: held-out perplexity and loss before/after, sample generations. */
function LlmEvaluation(props: { job: JobDetail }): JSX.Element | null {
  const ev = props.job.evaluation as
    | {
        before?: Record<string, number>;
        after?: Record<string, number>;
        generations?: ILlmGeneration[];
      }
    | null
    | undefined;
  if (!ev) {
    return null;
  }
  const before = ev.before ?? {};
  const after = ev.after ?? {};
  const generations = ev.generations ?? [];
  return (
    <JobSection title="Evaluation" name="llm-evaluation">
      <div className="griffin-table-wrap">
        <table className="griffin-table griffin-llm-eval">
          <thead>
            <tr>
              <th>held-out records</th>
              <th>before</th>
              <th>after</th>
            </tr>
          </thead>
          <tbody>
            {['perplexity', 'loss'].map(key => (
              <tr key={key} data-metric={key}>
                <th scope="row">{key}</th>
                <td className="griffin-num">{formatNumber(before[key], 4)}</td>
                <td className="griffin-num">{formatNumber(after[key], 4)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {generations.length > 0 ? (
        <ol className="griffin-llm-generations">
          {generations.map((g, i) => (
            <li key={i} data-generation={i}>
              <pre className="griffin-code" style={{ whiteSpace: 'pre-wrap' }}>
                {g.prompt ?? ''}
              </pre>
              <div data-generation-when="before">
                <span className="griffin-muted">before: </span>
                {g.before ? (
                  <code>{g.before}</code>
                ) : (
                  <span className="griffin-muted">(end of text)</span>
                )}
              </div>
              <div data-generation-when="after">
                <span className="griffin-muted">after: </span>
                {g.after ? (
                  <code>{g.after}</code>
                ) : (
                  <span className="griffin-muted">(end of text)</span>
                )}
              </div>
            </li>
          ))}
        </ol>
      ) : null}
    </JobSection>
  );
}

/* ------------------------------------------------------------------ */
/* Logs, workers, trials                                              */
/* ------------------------------------------------------------------ */

function LogTail(props: { job: JobDetail; visible: () => boolean }): JSX.Element {
  const { job, visible } = props;
  const active = isActiveJob(job.status);
  const logs = usePolling(
    () => fetchJobLogs(job.id, LOG_TAIL),
    // A last fetch once the job has finished.
    `${job.id}#${active ? 'live' : job.status}`,
    () => (active ? ACTIVE_POLL_MS : null),
    visible
  );
  const pre = React.useRef<HTMLPreElement>(null);
  // Follow the end of the log unless the user has scrolled up.
  const follow = React.useRef(true);
  React.useLayoutEffect(() => {
    const node = pre.current;
    if (node && follow.current) {
      node.scrollTop = node.scrollHeight;
    }
  }, [logs.data]);

  const lines = logs.data?.lines ?? [];
  const total = logs.data?.total_lines ?? 0;
  return (
    <JobSection
      title="Log"
      name="logs"
      extra={
        logs.data && total > lines.length ? (
          <span className="griffin-muted">
            last {lines.length} of {total.toLocaleString()} lines
          </span>
        ) : null
      }
    >
      {logs.error ? <ErrorBox title="Could not load the log" error={logs.error} /> : null}
      {logs.data === null && !logs.error ? <Loading label="Loading the log…" /> : null}
      {logs.data !== null && lines.length === 0 ? (
        <p className="griffin-muted">
          {active ? 'Nothing logged yet.' : 'No log lines were kept.'}
        </p>
      ) : null}
      {lines.length > 0 ? (
        <pre
          className="griffin-code griffin-log"
          data-griffin-logs={job.id}
          ref={pre}
          tabIndex={0}
          aria-label={`Log of ${job.id}`}
          onScroll={event => {
            const node = event.currentTarget;
            follow.current =
              node.scrollHeight - node.scrollTop - node.clientHeight < 16;
          }}
        >
          {lines.join('\n')}
        </pre>
      ) : null}
    </JobSection>
  );
}

function WorkersTable(props: { job: JobDetail }): JSX.Element {
  const { job } = props;
  const workers = job.workers ?? [];
  if (workers.length === 0) {
    return (
      <p className="griffin-muted">
        {job.status === 'pending' || job.status === 'running'
          ? 'No worker has started yet.'
          : 'No workers were recorded.'}
      </p>
    );
  }
  return (
    <div className="griffin-table-wrap">
      <table className="griffin-table griffin-workers">
        <thead>
          <tr>
            <th scope="col" className="griffin-num">
              Rank
            </th>
            <th scope="col">Host</th>
            <th scope="col" className="griffin-num">
              PID
            </th>
          </tr>
        </thead>
        <tbody>
          {workers.map((worker, i) => (
            <tr key={i} data-worker-rank={str(worker['rank']) ?? ''}>
              <td className="griffin-num">
                {str(worker['rank']) ?? '—'}
                {worker['world_size'] !== undefined ? (
                  <span className="griffin-muted"> / {str(worker['world_size'])}</span>
                ) : null}
              </td>
              <td>
                <code>{str(worker['host']) ?? '—'}</code>
              </td>
              <td className="griffin-num">{str(worker['pid']) ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function formatParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v, 3) : String(v)}`)
    .join(', ');
}

function TrialsTable(props: { job: JobDetail; trials: TrialInfo[] }): JSX.Element {
  const { job, trials } = props;
  const tune = (job.spec?.['tune'] ?? null) as Record<string, unknown> | null;
  const named = typeof tune?.['metric'] === 'string' ? (tune['metric'] as string) : null;
  // The metric the sweep ranked by, else the first validation score.
  const metric =
    named ??
    trials
      .flatMap(t => Object.keys(t.metrics ?? {}))
      .find(name => /^valid_/.test(name)) ??
    null;
  return (
    <div className="griffin-table-wrap">
      <table className="griffin-table griffin-trials">
        <thead>
          <tr>
            <th scope="col">Trial</th>
            <th scope="col">Params</th>
            {metric ? (
              <th scope="col" className="griffin-num">
                {metric}
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {trials.map(trial => (
            <tr
              key={trial.trial}
              data-trial={trial.trial}
              className={trial.best ? 'griffin-trial-best' : undefined}
            >
              <td>
                <code title={trial.trial}>{trial.trial}</code>
                <div>
                  <StatusText status={trial.status} />
                  {trial.best ? <span className="griffin-kind">best</span> : null}
                </div>
              </td>
              <td className="griffin-trial-params">{formatParams(trial.params ?? {})}</td>
              {metric ? (
                <td className="griffin-num">
                  {formatNumber((trial.metrics ?? {})[metric], 4)}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/* ------------------------------------------------------------------ */
/* Re-run with edits                                                  */
/* ------------------------------------------------------------------ */

/** The 1-based line a spec error points at (`line 7`), if it names one. */
function errorLine(error: IShownError | null): number | null {
  const match = error?.message.match(/\bline (\d+)/i);
  return match ? Number(match[1]) : null;
}

function RerunForm(props: {
  job: JobDetail;
  onClose: () => void;
  onSubmitted: (job: JobDetail) => void;
}): JSX.Element {
  const { job, onClose, onSubmitted } = props;
  const [text, setText] = React.useState(job.spec_yaml);
  const [error, setError] = React.useState<IShownError | null>(null);
  const [busy, setBusy] = React.useState(false);
  const area = React.useRef<HTMLTextAreaElement>(null);
  const id = `griffin-rerun-${job.id}`;

  React.useEffect(() => {
    area.current?.focus();
  }, []);

  const submit = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const created = await submitJobYaml(text, job.id);
      onSubmitted(created);
    } catch (reason) {
      setError(toShownError(reason));
      setBusy(false);
    }
  };

  /** Select the line an error names, so the edit starts there. */
  const showLine = (line: number): void => {
    const node = area.current;
    if (!node) {
      return;
    }
    const lines = text.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    const end = start + (lines[line - 1]?.length ?? 0);
    node.focus();
    node.setSelectionRange(start, end);
    const lineHeight = node.scrollHeight / Math.max(1, lines.length);
    node.scrollTop = Math.max(0, (line - 3) * lineHeight);
  };

  const line = errorLine(error);
  const rows = Math.min(22, Math.max(8, text.split('\n').length + 1));
  return (
    <form
      className="griffin-rerun"
      data-griffin-view="rerun-form"
      onSubmit={event => {
        event.preventDefault();
        void submit();
      }}
    >
      <div className="griffin-field">
        <label htmlFor={id}>Job spec (YAML)</label>
        <textarea
          id={id}
          ref={area}
          className="griffin-input griffin-code-input griffin-rerun-text"
          value={text}
          rows={rows}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={error !== null}
          aria-describedby={`${id}-hint`}
          data-griffin-input="rerun-yaml"
          onChange={event => setText(event.target.value)}
          onKeyDown={event => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
              event.preventDefault();
              void submit();
            }
          }}
        />
        <div className="griffin-hint" id={`${id}-hint`}>
          The new job records this one ({job.id}) as its parent. Ctrl+Enter
          submits.
        </div>
      </div>
      {error ? (
        <ErrorBox title="The spec was not accepted" error={error}>
          {line !== null ? (
            <button
              type="button"
              className="griffin-link-button griffin-error-line"
              onClick={() => showLine(line)}
            >
              Show line {line}
            </button>
          ) : null}
        </ErrorBox>
      ) : null}
      <div className="griffin-actions">
        <button
          type="submit"
          className="griffin-button griffin-button-primary"
          data-griffin-action="submit-rerun"
          disabled={busy || !text.trim()}
        >
          {busy ? 'Submitting…' : 'Submit'}
        </button>
        <button
          type="button"
          className="griffin-button"
          data-griffin-action="close-rerun"
          onClick={onClose}
        >
          Close
        </button>
        <button
          type="button"
          className="griffin-link-button"
          disabled={text === job.spec_yaml}
          onClick={() => {
            setText(job.spec_yaml);
            setError(null);
          }}
        >
          Undo edits
        </button>
      </div>
    </form>
  );
}
