/**
 * Typed client for the Griffin Lab REST API served by the `griffin_lab`
 * Jupyter server extension.
 *
 * Every request goes through `ServerConnection.makeRequest`, so Jupyter's
 * token and XSRF authentication and the server's `base_url` are honoured.
 * Response types come from `server_ext/griffin-api.d.ts`, which
 * `jlpm build:api-types` generates from the server's OpenAPI document.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type { components } from '../../server_ext/griffin-api';

/** The Griffin REST API prefix, relative to the Jupyter server's base URL. */
export const API_PREFIX = 'griffin/api/v1';

export type StatusResponse = components['schemas']['StatusResponse'];
export type EngineStatus = components['schemas']['EngineStatus'];
export type EngineState = EngineStatus['state'];

type Schemas = components['schemas'];
export type FeatureInfo = Schemas['FeatureInfo'];
export type FeatureViewSummary = Schemas['FeatureViewSummary'];
export type FeatureServiceInfo = Schemas['FeatureServiceInfo'];
export type SearchResult = Schemas['SearchResult'];
export type FeatureViewDetail = Schemas['FeatureViewDetail'];
export type EntityInfo = Schemas['EntityInfo'];
export type MaterializationInfo = Schemas['MaterializationInfo'];
export type UsageInfo = Schemas['UsageInfo'];
export type FeatureStats = Schemas['FeatureStats'];
export type Histogram = Schemas['Histogram'];
export type ViewStats = Schemas['ViewStats'];
export type SampleRows = Schemas['SampleRows'];
export type ValidationReport = Schemas['ValidationReport'];
export type RuleFailure = Schemas['RuleFailure'];
export type ReportsPage = Schemas['ReportsPage'];
export type InferredSchema = Schemas['InferredSchema'];
export type InferredColumn = Schemas['InferredColumn'];
export type SourceSpec = Schemas['SourceSpec'];
export type FeatureColumn = Schemas['FeatureColumn'];
export type SourceRule = NonNullable<SourceSpec['rules']>[number];
export type RuleKind = SourceRule['kind'];
export type AddSourceResult = Schemas['AddSourceResult'];
export type PlannedChangeInfo = Schemas['PlannedChangeInfo'];
export type MaterializeResult = Schemas['MaterializeResult'];
export type MaterializeViewResult = Schemas['MaterializeViewResult'];
export type FeatureServerInfo = Schemas['FeatureServerInfo'];

/** An error raised for a failed Griffin API request. */
export class GriffinApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 when the server could not be reached at all. */
    readonly status: number,
    /** The server's error type (e.g. `NotFound`), or a client-side label. */
    readonly errorType: string,
    /** The request field the error is about, when the server names one. */
    readonly field: string | null = null,
    /** Structured details (e.g. `report` for `validation_failed`). */
    readonly details: Record<string, unknown> | null = null
  ) {
    super(message);
    this.name = 'GriffinApiError';
  }
}

/** Build the absolute URL of a Griffin API endpoint. */
export function apiUrl(
  endPoint: string,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): string {
  return URLExt.join(settings.baseUrl, API_PREFIX, endPoint);
}

interface IErrorBody {
  error?: {
    type?: unknown;
    message?: unknown;
    field?: unknown;
    details?: unknown;
  };
}

/** Turn a non-2xx response into a `GriffinApiError` with the server's message. */
async function errorFromResponse(
  response: Response
): Promise<GriffinApiError> {
  const statusText = `HTTP ${response.status}${
    response.statusText ? ` ${response.statusText}` : ''
  }`;
  let text = '';
  try {
    text = await response.text();
  } catch {
    // Body unreadable: fall through to the generic message.
  }
  try {
    const body = JSON.parse(text) as IErrorBody;
    const message = body?.error?.message;
    if (typeof message === 'string' && message) {
      const type =
        typeof body.error?.type === 'string' ? body.error.type : 'Error';
      const field =
        typeof body.error?.field === 'string' ? body.error.field : null;
      const details = body.error?.details;
      return new GriffinApiError(
        message,
        response.status,
        type,
        field,
        details !== null && typeof details === 'object'
          ? (details as Record<string, unknown>)
          : null
      );
    }
  } catch {
    // Not JSON (e.g. Jupyter's HTML 404 page).
  }
  if (response.status === 404) {
    return new GriffinApiError(
      `The Griffin Lab server extension did not answer (${statusText}). ` +
        'Check that the griffin_lab server extension is installed and enabled ' +
        '(jupyter server extension list).',
      response.status,
      'NotFound'
    );
  }
  return new GriffinApiError(
    `Griffin Lab request failed (${statusText}).`,
    response.status,
    'HTTPError'
  );
}

/**
 * Call a Griffin API endpoint and parse its JSON body.
 *
 * @param endPoint - path below `griffin/api/v1`, e.g. `status`.
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = apiUrl(endPoint, settings);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GriffinApiError(
      `Could not reach the Jupyter server: ${reason}`,
      0,
      'NetworkError'
    );
  }
  if (!response.ok) {
    throw await errorFromResponse(response);
  }
  try {
    return (await response.json()) as T;
  } catch {
    throw new GriffinApiError(
      'The Griffin Lab server answered with a body that is not JSON.',
      response.status,
      'InvalidResponse'
    );
  }
}

/** `GET griffin/api/v1/status`: the health of Griffin Lab and its engines. */
export function fetchStatus(
  settings?: ServerConnection.ISettings
): Promise<StatusResponse> {
  // `no-cache` (revalidate) instead of JupyterLab's default `no-store`, which
  // appends a `?<timestamp>` cache buster that strict API handlers reject.
  return requestAPI<StatusResponse>(
    'status',
    { method: 'GET', cache: 'no-cache' },
    settings
  );
}

/** Query string (with its `?`) from the set, non-empty parameters. */
function queryString(
  params: Record<string, string | number | null | undefined>
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined) {
      continue;
    }
    const text = String(value).trim();
    if (text) {
      search.set(key, text);
    }
  }
  const encoded = search.toString();
  return encoded ? `?${encoded}` : '';
}

function viewPath(name: string, suffix = ''): string {
  return `features/views/${encodeURIComponent(name)}${suffix}`;
}

function getJSON<T>(
  endPoint: string,
  settings?: ServerConnection.ISettings
): Promise<T> {
  return requestAPI<T>(endPoint, { method: 'GET', cache: 'no-cache' }, settings);
}

function postJSON<T>(
  endPoint: string,
  body?: unknown,
  settings?: ServerConnection.ISettings
): Promise<T> {
  const init: RequestInit = { method: 'POST', cache: 'no-cache' };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'Content-Type': 'application/json' };
  }
  return requestAPI<T>(endPoint, init, settings);
}

/** Filters of a feature catalogue search; empty ones are left out. */
export interface IFeatureQuery {
  /** Text in names and descriptions. */
  q?: string;
  /** A tag key, or `key=value`. */
  tag?: string;
  owner?: string;
  /** Entity name or join key. */
  entity?: string;
}

/** `GET features`: search feature views and services. */
export function searchFeatures(
  query: IFeatureQuery = {},
  settings?: ServerConnection.ISettings
): Promise<SearchResult> {
  const { q, tag, owner, entity } = query;
  return getJSON<SearchResult>(
    `features${queryString({ q, tag, owner, entity })}`,
    settings
  );
}

/** `GET features/views/{name}`: one feature view with its history. */
export function fetchFeatureView(
  name: string,
  settings?: ServerConnection.ISettings
): Promise<FeatureViewDetail> {
  return getJSON<FeatureViewDetail>(viewPath(name), settings);
}

/** `GET features/views/{name}/stats`: per-feature statistics. */
export function fetchFeatureStats(
  name: string,
  settings?: ServerConnection.ISettings
): Promise<ViewStats> {
  return getJSON<ViewStats>(viewPath(name, '/stats'), settings);
}

/** `GET features/views/{name}/sample`: the first rows of a view's data. */
export function fetchFeatureSample(
  name: string,
  limit = 10,
  settings?: ServerConnection.ISettings
): Promise<SampleRows> {
  return getJSON<SampleRows>(
    viewPath(name, `/sample${queryString({ limit })}`),
    settings
  );
}

/** `POST features/views/{name}/validate`: run the view's rules now. */
export function validateFeatureView(
  name: string,
  settings?: ServerConnection.ISettings
): Promise<ValidationReport> {
  return postJSON<ValidationReport>(
    viewPath(name, '/validate'),
    undefined,
    settings
  );
}

/** `GET features/reports`: validation reports, newest first. */
export function fetchValidationReports(
  featureView: string | null,
  limit = 20,
  settings?: ServerConnection.ISettings
): Promise<ReportsPage> {
  return getJSON<ReportsPage>(
    `features/reports${queryString({ feature_view: featureView, limit })}`,
    settings
  );
}

/** `POST features/sources/infer`: the schema of a parquet/CSV file. */
export function inferSource(
  path: string,
  settings?: ServerConnection.ISettings
): Promise<InferredSchema> {
  return postJSON<InferredSchema>('features/sources/infer', { path }, settings);
}

/**
 * `POST features/sources`: preview (`dryRun`) or add a feature source.
 *
 * A source whose data breaks a rule is rejected with a `GriffinApiError`
 * of type `validation_failed` whose `details.report` is the report.
 */
export async function addSource(
  spec: SourceSpec,
  dryRun: boolean,
  settings?: ServerConnection.ISettings
): Promise<AddSourceResult> {
  const result = await postJSON<AddSourceResult & { schema_?: FeatureInfo[] }>(
    'features/sources',
    { spec, dry_run: dryRun },
    settings
  );
  // Tolerate a server that sends the field under its Python name.
  if (!Array.isArray(result.schema) && Array.isArray(result.schema_)) {
    result.schema = result.schema_;
  }
  return result;
}

/** `POST features/materialize`: validate new rows and load them online. */
export function materializeFeatures(
  featureViews: string[] | null,
  incremental = true,
  settings?: ServerConnection.ISettings
): Promise<MaterializeResult> {
  return postJSON<MaterializeResult>(
    'features/materialize',
    { feature_views: featureViews, incremental },
    settings
  );
}

/** `GET features/server`: whether the online feature server runs, and where. */
export function fetchFeatureServer(
  settings?: ServerConnection.ISettings
): Promise<FeatureServerInfo> {
  return getJSON<FeatureServerInfo>('features/server', settings);
}

/** `POST features/server`: start the online feature server with `workers` processes. */
export function startFeatureServer(
  workers: number,
  settings?: ServerConnection.ISettings
): Promise<FeatureServerInfo> {
  return postJSON<FeatureServerInfo>('features/server', { workers }, settings);
}

/** `DELETE features/server`: stop the online feature server. */
export function stopFeatureServer(
  settings?: ServerConnection.ISettings
): Promise<FeatureServerInfo> {
  return requestAPI<FeatureServerInfo>(
    'features/server',
    { method: 'DELETE', cache: 'no-cache' },
    settings
  );
}

/** The validation report carried by a `validation_failed` error, if any. */
export function reportFromError(error: unknown): ValidationReport | null {
  if (!(error instanceof GriffinApiError) || !error.details) {
    return null;
  }
  const report = error.details['report'];
  if (
    report !== null &&
    typeof report === 'object' &&
    Array.isArray((report as ValidationReport).failures)
  ) {
    return report as ValidationReport;
  }
  return null;
}

/** Largest file the new-source form uploads through the Contents API. */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

function contentsUrl(path: string, settings: ServerConnection.ISettings): string {
  return URLExt.join(settings.baseUrl, 'api/contents', URLExt.encodeParts(path));
}

async function contentsError(
  response: Response,
  action: string
): Promise<GriffinApiError> {
  let message = '';
  try {
    const body = (await response.json()) as { message?: unknown };
    message = typeof body.message === 'string' ? body.message : '';
  } catch {
    // Not JSON.
  }
  return new GriffinApiError(
    `Could not ${action}: ${message || `HTTP ${response.status}`}`,
    response.status,
    'ContentsError'
  );
}

async function contentsRequest(
  path: string,
  init: RequestInit,
  settings: ServerConnection.ISettings,
  query = ''
): Promise<Response> {
  try {
    return await ServerConnection.makeRequest(
      contentsUrl(path, settings) + query,
      { cache: 'no-cache', ...init },
      settings
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GriffinApiError(
      `Could not reach the Jupyter server: ${reason}`,
      0,
      'NetworkError'
    );
  }
}

/** A name in the server's root dir that no file has yet: `a.csv`, `a-1.csv`… */
async function freeName(
  name: string,
  settings: ServerConnection.ISettings
): Promise<string> {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  for (let i = 0; i < 100; i++) {
    const candidate = i === 0 ? name : `${stem}-${i}${ext}`;
    const response = await contentsRequest(
      candidate,
      { method: 'GET' },
      settings,
      '?content=0'
    );
    if (response.status === 404) {
      return candidate;
    }
    if (!response.ok) {
      throw await contentsError(response, `check ${candidate}`);
    }
  }
  throw new GriffinApiError(
    `Too many files named like ${name} in the server's root folder.`,
    0,
    'ContentsError'
  );
}

/**
 * Upload a browser file into the Jupyter server's root folder with the
 * Contents API, never over an existing file.
 *
 * @returns the path relative to the server's root folder.
 */
export async function uploadFile(
  file: File,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<string> {
  if (file.size > MAX_UPLOAD_BYTES) {
    throw new GriffinApiError(
      `${file.name} is ${(file.size / 1024 / 1024).toFixed(0)} MB; upload ` +
        'files up to 100 MB here, or copy larger ones to the server and ' +
        'enter their path.',
      0,
      'TooLarge'
    );
  }
  const content = await readAsBase64(file);
  const name = await freeName(file.name.replace(/[\\/]/g, '_'), settings);
  const response = await contentsRequest(
    name,
    {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'file', format: 'base64', content, name })
    },
    settings
  );
  if (!response.ok) {
    throw await contentsError(response, `upload ${file.name}`);
  }
  return name;
}

function readAsBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result ?? '');
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () =>
      reject(
        new GriffinApiError(
          `Could not read the file: ${reader.error?.message ?? 'unknown error'}`,
          0,
          'FileError'
        )
      );
    reader.readAsDataURL(file);
  });
}

/* ------------------------------------------------------------------ */
/* Training                                                           */
/* ------------------------------------------------------------------ */

export type JobInfo = Schemas['JobInfo'];
export type JobDetail = Schemas['JobDetail'];
export type JobStatus = JobInfo['status'];
export type JobsPage = Schemas['JobsPage'];
export type JobLogs = Schemas['JobLogs'];
export type MetricPoint = Schemas['MetricPoint'];
export type MetricsPage = Schemas['MetricsPage'];
export type TrialInfo = Schemas['TrialInfo'];

/** Job states after which nothing changes any more. */
export const FINISHED_JOB_STATES: ReadonlyArray<JobStatus> = [
  'succeeded',
  'failed',
  'cancelled'
];

/** True while a job is pending or running. */
export function isActiveJob(status: JobStatus | string): boolean {
  return status === 'pending' || status === 'running';
}

/** Filters and page of the training job list; empty ones are left out. */
export interface IJobsQuery {
  status?: JobStatus | '';
  name?: string;
  limit?: number;
  offset?: number;
}

function jobPath(jobId: string, suffix = ''): string {
  return `training/jobs/${encodeURIComponent(jobId)}${suffix}`;
}

/** `GET training/jobs`: training jobs, newest first. */
export function fetchJobs(
  query: IJobsQuery = {},
  settings?: ServerConnection.ISettings
): Promise<JobsPage> {
  const { status, name, limit, offset } = query;
  return getJSON<JobsPage>(
    `training/jobs${queryString({ status, name, limit, offset })}`,
    settings
  );
}

/** `GET training/jobs/{id}`: one job with its spec, workers, metrics and trials. */
export function fetchJob(
  jobId: string,
  settings?: ServerConnection.ISettings
): Promise<JobDetail> {
  return getJSON<JobDetail>(jobPath(jobId), settings);
}

/** `GET training/jobs/{id}/metrics`: metric points newer than `after`. */
export function fetchJobMetrics(
  jobId: string,
  after = 0,
  limit = 20000,
  settings?: ServerConnection.ISettings
): Promise<MetricsPage> {
  return getJSON<MetricsPage>(
    // `after=0` is sent too: an empty string would be left out.
    jobPath(jobId, `/metrics?after=${after}&limit=${limit}`),
    settings
  );
}

/** `GET training/jobs/{id}/logs`: the last `tail` lines of the job's log. */
export function fetchJobLogs(
  jobId: string,
  tail = 200,
  settings?: ServerConnection.ISettings
): Promise<JobLogs> {
  return getJSON<JobLogs>(jobPath(jobId, `/logs${queryString({ tail })}`), settings);
}

/** `POST training/jobs/{id}/cancel`: stop a pending or running job (409 once finished). */
export function cancelJob(
  jobId: string,
  settings?: ServerConnection.ISettings
): Promise<JobDetail> {
  return postJSON<JobDetail>(jobPath(jobId, '/cancel'), undefined, settings);
}

/**
 * `POST training/jobs`: check a job spec written in YAML and submit it.
 * An invalid spec is rejected (422) with an error naming the field and line.
 *
 * @param parentId - the job this one re-runs with edits.
 */
export function submitJobYaml(
  yaml: string,
  parentId: string | null = null,
  settings?: ServerConnection.ISettings
): Promise<JobDetail> {
  const body: { yaml: string; parent_id?: string } = { yaml };
  if (parentId) {
    body.parent_id = parentId;
  }
  return postJSON<JobDetail>('training/jobs', body, settings);
}

/* ------------------------------------------------------------------ */
/* Model registry                                                     */
/* ------------------------------------------------------------------ */

export type ModelInfo = Schemas['ModelInfo'];
export type ModelsPage = Schemas['ModelsPage'];
export type ModelDetail = Schemas['ModelDetail'];
export type ModelVersionInfo = Schemas['ModelVersionInfo'];
export type ModelUpdate = Schemas['ModelUpdate'];
export type ModelLink = Schemas['Link'];
export type AliasEvent = Schemas['AliasEvent'];
export type AliasInfo = Schemas['AliasInfo'];
export type Comparison = Schemas['Comparison'];
export type MetricRow = Schemas['MetricRow'];
export type ParamRow = Schemas['ParamRow'];
export type Curve = Schemas['Curve'];

/** The orders `GET models` accepts. */
export type ModelsSort =
  | '-updated_at'
  | 'updated_at'
  | 'name'
  | '-name'
  | 'tier'
  | '-tier'
  | '-created_at'
  | 'created_at';

/** Filters and page of a model search; empty ones are left out. */
export interface IModelsQuery {
  q?: string;
  /** Tiers, any of them: `[0, 1]`. */
  tiers?: number[];
  owner?: string;
  team?: string;
  framework?: string;
  tag?: string;
  alias?: string;
  health?: string;
  feature?: string;
  sort?: ModelsSort;
  limit?: number;
  offset?: number;
}

function modelPath(name: string, suffix = ''): string {
  return `models/${encodeURIComponent(name)}${suffix}`;
}

function withSignal(signal?: AbortSignal): RequestInit {
  const init: RequestInit = { method: 'GET', cache: 'no-cache' };
  if (signal) {
    init.signal = signal;
  }
  return init;
}

/** `GET models`: one page of registered models matching the filters. */
export function searchModels(
  query: IModelsQuery = {},
  signal?: AbortSignal,
  settings?: ServerConnection.ISettings
): Promise<ModelsPage> {
  const { tiers, ...rest } = query;
  const params = {
    ...rest,
    tier: tiers && tiers.length > 0 ? tiers.join(',') : undefined
  };
  return requestAPI<ModelsPage>(
    `models${queryString(params)}`,
    withSignal(signal),
    settings
  );
}

/** `GET registry/attention`: unhealthy models, most important first. */
export function fetchAttention(
  limit = 50,
  offset = 0,
  signal?: AbortSignal,
  settings?: ServerConnection.ISettings
): Promise<ModelsPage> {
  return requestAPI<ModelsPage>(
    `registry/attention?limit=${limit}&offset=${offset}`,
    withSignal(signal),
    settings
  );
}

/** `GET models/{name}`: a model with its versions and alias history. */
export function fetchModel(
  name: string,
  settings?: ServerConnection.ISettings
): Promise<ModelDetail> {
  return getJSON<ModelDetail>(modelPath(name), settings);
}

/** `PATCH models/{name}`: change the given fields of a model. */
export function updateModel(
  name: string,
  body: Partial<ModelUpdate>,
  settings?: ServerConnection.ISettings
): Promise<ModelDetail> {
  return requestAPI<ModelDetail>(
    modelPath(name),
    {
      method: 'PATCH',
      cache: 'no-cache',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' }
    },
    settings
  );
}

/** `PUT models/{name}/aliases/{alias}`: point an alias at a version. */
export function setModelAlias(
  name: string,
  alias: string,
  version: number,
  reason: string,
  settings?: ServerConnection.ISettings
): Promise<AliasInfo> {
  return requestAPI<AliasInfo>(
    modelPath(name, `/aliases/${encodeURIComponent(alias)}`),
    {
      method: 'PUT',
      cache: 'no-cache',
      body: JSON.stringify({ version, reason }),
      headers: { 'Content-Type': 'application/json' }
    },
    settings
  );
}

/** `DELETE models/{name}/aliases/{alias}`: remove an alias. */
export function deleteModelAlias(
  name: string,
  alias: string,
  reason: string,
  settings?: ServerConnection.ISettings
): Promise<AliasEvent> {
  return requestAPI<AliasEvent>(
    modelPath(
      name,
      `/aliases/${encodeURIComponent(alias)}${queryString({ reason })}`
    ),
    { method: 'DELETE', cache: 'no-cache' },
    settings
  );
}

/** `GET models/{name}/compare`: metrics, params, features and curves side by side. */
export function compareModelVersions(
  name: string,
  versions: number[],
  settings?: ServerConnection.ISettings
): Promise<Comparison> {
  return getJSON<Comparison>(
    modelPath(name, `/compare${queryString({ versions: versions.join(',') })}`),
    settings
  );
}

/* ------------------------------------------------------------------ */
/* Serving, monitoring and launches                                   */
/* ------------------------------------------------------------------ */

export type EndpointInfo = Schemas['EndpointInfo'];
export type EndpointDetail = Schemas['EndpointDetail'];
export type ProcessInfo = Schemas['ProcessInfo'];
export type EndpointEvent = Schemas['EventInfo'];
export type EndpointHealth = Schemas['EndpointHealth'];
export type VersionHealth = Schemas['VersionHealth'];
export type HealthPoint = Schemas['HealthPoint'];
export type LaunchInfo = Schemas['LaunchInfo'];
export type LaunchDetail = Schemas['LaunchDetail'];
export type LaunchStep = Schemas['LaunchStep'];
export type GateResult = Schemas['GateResult'];
/** What `POST launches` needs: the model and version; the rest has defaults. */
export type LaunchBody = Pick<Schemas['LaunchRequest'], 'model' | 'version'> &
  Partial<Schemas['LaunchRequest']>;

/** True while a launch runs or waits for a decision (later states are final). */
export function isActiveLaunch(status: string): boolean {
  return status === 'running' || status === 'awaiting_approval';
}

function endpointPath(name: string, suffix = ''): string {
  return `endpoints/${encodeURIComponent(name)}${suffix}`;
}

/** `GET endpoints`: the endpoints and what they serve. */
export function fetchEndpoints(
  settings?: ServerConnection.ISettings
): Promise<EndpointInfo[]> {
  return getJSON<EndpointInfo[]>('endpoints', settings);
}

/** `GET endpoints/{name}`: one endpoint with its processes and recent events. */
export function fetchEndpoint(
  name: string,
  settings?: ServerConnection.ISettings
): Promise<EndpointDetail> {
  return getJSON<EndpointDetail>(endpointPath(name), settings);
}

/** `GET endpoints/{name}/health`: figures per version and a series per step. */
export function fetchEndpointHealth(
  name: string,
  windowS = 300,
  stepS = 10,
  settings?: ServerConnection.ISettings
): Promise<EndpointHealth> {
  return getJSON<EndpointHealth>(
    endpointPath(name, `/health?window_s=${windowS}&step_s=${stepS}`),
    settings
  );
}

/**
 * `POST endpoints/{name}/rollback`: drop the candidate, or go back to the
 * previous primary version (409 when there is neither).
 */
export function rollbackEndpoint(
  name: string,
  settings?: ServerConnection.ISettings
): Promise<EndpointDetail> {
  return postJSON<EndpointDetail>(endpointPath(name, '/rollback'), undefined, settings);
}

/** Filters of the launch list; empty ones are left out. */
export interface ILaunchesQuery {
  endpoint?: string;
  model?: string;
  limit?: number;
}

/** `GET launches`: recent launches, newest first. */
export function fetchLaunches(
  query: ILaunchesQuery = {},
  settings?: ServerConnection.ISettings
): Promise<LaunchInfo[]> {
  const { endpoint, model, limit } = query;
  return getJSON<LaunchInfo[]>(
    `launches${queryString({ endpoint, model, limit })}`,
    settings
  );
}

/** `GET launches/{id}`: one launch with its steps and gates. */
export function fetchLaunch(
  id: number,
  settings?: ServerConnection.ISettings
): Promise<LaunchDetail> {
  return getJSON<LaunchDetail>(`launches/${id}`, settings);
}

/** `POST launches`: start a launch; the pipeline runs in the server. */
export function startLaunch(
  body: LaunchBody,
  settings?: ServerConnection.ISettings
): Promise<LaunchDetail> {
  return postJSON<LaunchDetail>('launches', body, settings);
}

/** `POST launches/{id}/decision`: approve or reject a launch that waits for a person. */
export function decideLaunch(
  id: number,
  approve: boolean,
  reason: string,
  settings?: ServerConnection.ISettings
): Promise<LaunchDetail> {
  return postJSON<LaunchDetail>(
    `launches/${id}/decision`,
    { approve, reason },
    settings
  );
}
