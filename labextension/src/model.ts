/**
 * State of the Griffin status view: the last status response, the last
 * error, whether a request is in flight, and optional auto refresh.
 */
import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { fetchStatus, GriffinApiError, StatusResponse } from './api';

export interface IStatusError {
  message: string;
  type: string;
  status: number;
}

export class StatusModel {
  constructor(options: StatusModel.IOptions = {}) {
    this._settings = options.settings ?? ServerConnection.makeSettings();
    this._isVisible = options.isVisible ?? (() => true);
  }

  /** Emitted whenever `status`, `error` or `loading` changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The last successful response, kept while a refresh is in flight. */
  get status(): StatusResponse | null {
    return this._status;
  }

  /** The error of the last request, or null if it succeeded. */
  get error(): IStatusError | null {
    return this._error;
  }

  get loading(): boolean {
    return this._pending !== null;
  }

  /** How many requests have completed (successfully or not). */
  get updates(): number {
    return this._updates;
  }

  /** Auto refresh period in seconds; 0 disables auto refresh. */
  get refreshIntervalSeconds(): number {
    return this._intervalSeconds;
  }
  set refreshIntervalSeconds(value: number) {
    const seconds = Number.isFinite(value) && value > 0 ? value : 0;
    if (seconds === this._intervalSeconds) {
      return;
    }
    this._intervalSeconds = seconds;
    this._schedule();
  }

  /**
   * Fetch the status now. Concurrent calls share the request in flight.
   */
  refresh(): Promise<void> {
    if (this._pending) {
      return this._pending;
    }
    this._pending = this._fetch().finally(() => {
      this._pending = null;
      this._updates += 1;
      this._changed.emit();
    });
    this._changed.emit();
    return this._pending;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._clearTimer();
    Signal.clearData(this);
  }

  private async _fetch(): Promise<void> {
    try {
      this._status = await fetchStatus(this._settings);
      this._error = null;
    } catch (error) {
      if (error instanceof GriffinApiError) {
        this._error = {
          message: error.message,
          type: error.errorType,
          status: error.status
        };
      } else {
        this._error = {
          message: error instanceof Error ? error.message : String(error),
          type: 'Error',
          status: 0
        };
      }
    }
  }

  private _schedule(): void {
    this._clearTimer();
    if (this._intervalSeconds > 0 && !this._isDisposed) {
      this._timer = window.setInterval(() => {
        // Only poll while someone can see the result.
        if (!document.hidden && this._isVisible()) {
          void this.refresh();
        }
      }, this._intervalSeconds * 1000);
    }
  }

  private _clearTimer(): void {
    if (this._timer !== null) {
      window.clearInterval(this._timer);
      this._timer = null;
    }
  }

  private _settings: ServerConnection.ISettings;
  private _isVisible: () => boolean;
  private _status: StatusResponse | null = null;
  private _error: IStatusError | null = null;
  private _pending: Promise<void> | null = null;
  private _updates = 0;
  private _intervalSeconds = 0;
  private _timer: number | null = null;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

export namespace StatusModel {
  export interface IOptions {
    settings?: ServerConnection.ISettings;
    /** Auto refresh is skipped while this returns false. */
    isVisible?: () => boolean;
  }
}
