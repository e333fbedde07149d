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

/** An error raised for a failed Griffin API request. */
export class GriffinApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 when the server could not be reached at all. */
    readonly status: number,
    /** The server's error type (e.g. `NotFound`), or a client-side label. */
    readonly errorType: string
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
  error?: { type?: unknown; message?: unknown };
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
      return new GriffinApiError(message, response.status, type);
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
