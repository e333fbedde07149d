/**
 * Small pieces shared by the Griffin views: errors, loading states,
 * formatting, detail-view building blocks and request hooks.
 */
import { ISignal, Signal } from '@lumino/signaling';
import React from 'react';

import { GriffinApiError } from './api';

/** An error as the views show it. */
export interface IShownError {
  message: string;
  type: string;
  status: number;
  field?: string | null;
}

export function toShownError(error: unknown): IShownError {
  if (error instanceof GriffinApiError) {
    return {
      message: error.message,
      type: error.errorType,
      status: error.status,
      field: error.field
    };
  }
  return {
    message: error instanceof Error ? error.message : String(error),
    type: 'Error',
    status: 0
  };
}

/** An alert box with the server's message (`data-griffin-error` = type). */
export function ErrorBox(props: {
  title: string;
  error: IShownError;
  children?: React.ReactNode;
}): JSX.Element {
  const { title, error } = props;
  const code = error.status > 0 ? ` · HTTP ${error.status}` : '';
  const field = error.field ? ` · field ${error.field}` : '';
  return (
    <div className="griffin-error" role="alert" data-griffin-error={error.type}>
      <div className="griffin-error-title">{title}</div>
      <div className="griffin-error-message">{error.message}</div>
      <div className="griffin-error-meta">
        {error.type}
        {code}
        {field}
      </div>
      {props.children}
    </div>
  );
}

export function Loading(props: { label: string }): JSX.Element {
  return (
    <div className="griffin-loading" role="status">
      <span className="griffin-spinner" aria-hidden="true" />
      {props.label}
    </div>
  );
}

/** `Intl` number formatting with a fixed, short precision. */
export function formatNumber(value: unknown, digits = 3): string {
  if (value === null || value === undefined || value === '') {
    return '—';
  }
  if (typeof value !== 'number') {
    return String(value);
  }
  if (!Number.isFinite(value)) {
    return String(value);
  }
  if (Number.isInteger(value)) {
    return value.toLocaleString();
  }
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e7)) {
    return value.toExponential(2);
  }
  return value.toLocaleString(undefined, {
    maximumSignificantDigits: Math.max(digits, Math.ceil(Math.log10(abs + 1)))
  });
}

export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) {
    return '—';
  }
  const pct = fraction * 100;
  if (pct === 0) {
    return '0 %';
  }
  if (pct < 0.1) {
    return '<0.1 %';
  }
  return `${pct < 10 ? pct.toFixed(1) : Math.round(pct)} %`;
}

const DURATION_UNITS: ReadonlyArray<[number, string]> = [
  [86400, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
  [1, 'second']
];

/** `10368000` → `120 days`; `0` → `never expires` (Feast's TTL 0). */
export function formatTtl(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) {
    return '—';
  }
  if (seconds <= 0) {
    return 'never expires';
  }
  const plural = (n: number, unit: string): string =>
    `${n} ${unit}${n === 1 ? '' : 's'}`;
  // The largest unit that divides it exactly: 90 days, 36 hours, 90 minutes.
  for (const [size, unit] of DURATION_UNITS) {
    if (seconds >= size && seconds % size === 0) {
      return plural(seconds / size, unit);
    }
  }
  const [size, unit] =
    DURATION_UNITS.find(([s]) => seconds >= s) ?? DURATION_UNITS[3];
  return plural(Math.round((seconds / size) * 10) / 10, unit);
}

/** A short local date-time; the ISO text stays in the title. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) {
    return '—';
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  const sameDay = date.toDateString() === new Date().toDateString();
  const time = date.toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit'
  });
  if (sameDay) {
    return `today ${time}`;
  }
  return `${date.toLocaleDateString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric'
  })} ${time}`;
}

export function Time(props: { iso: string | null | undefined }): JSX.Element {
  const { iso } = props;
  if (!iso) {
    return <span>—</span>;
  }
  return (
    <time dateTime={iso} title={iso}>
      {formatDateTime(iso)}
    </time>
  );
}

/** The text with each case-insensitive occurrence of `query` in a `<mark>`. */
export function Highlight(props: {
  text: string;
  query: string;
}): JSX.Element {
  const { text } = props;
  const query = props.query.trim();
  if (!query) {
    return <>{text}</>;
  }
  const lower = text.toLowerCase();
  const needle = query.toLowerCase();
  const parts: React.ReactNode[] = [];
  let from = 0;
  let at = lower.indexOf(needle, from);
  while (at >= 0) {
    if (at > from) {
      parts.push(text.slice(from, at));
    }
    parts.push(
      <mark key={at} className="griffin-mark">
        {text.slice(at, at + needle.length)}
      </mark>
    );
    from = at + needle.length;
    at = lower.indexOf(needle, from);
  }
  parts.push(text.slice(from));
  return <>{parts}</>;
}

/** Example values of a failure or a sample cell, as short text. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) {
    return 'null';
  }
  if (typeof value === 'number') {
    return formatNumber(value, 4);
  }
  if (typeof value === 'string') {
    return value;
  }
  return JSON.stringify(value);
}

export interface IRequestState<T> {
  data: T | null;
  error: IShownError | null;
  loading: boolean;
  /** Fetch again; the previous data stays until the answer arrives. */
  reload: () => void;
  /** Replace the data (e.g. with a fresher answer from another call). */
  setData: (data: T) => void;
}

/**
 * Run `load` when `key` changes (and on `reload`); answers of superseded
 * requests are dropped. The last data stays while a new request runs (give
 * the component a React `key` to start from nothing).
 */
export function useRequest<T>(
  load: () => Promise<T>,
  key: string
): IRequestState<T> {
  const [data, setData] = React.useState<T | null>(null);
  const [error, setError] = React.useState<IShownError | null>(null);
  const [loading, setLoading] = React.useState(true);
  const [nonce, setNonce] = React.useState(0);
  const loadRef = React.useRef(load);
  loadRef.current = load;

  React.useEffect(() => {
    let current = true;
    setLoading(true);
    loadRef.current().then(
      value => {
        if (current) {
          setData(value);
          setError(null);
          setLoading(false);
        }
      },
      reason => {
        if (current) {
          setError(toShownError(reason));
          setLoading(false);
        }
      }
    );
    return () => {
      current = false;
    };
  }, [key, nonce]);

  const reload = React.useCallback(() => setNonce(n => n + 1), []);
  return { data, error, loading, reload, setData };
}

/**
 * Where a sidebar tab is (its route) and what the list should focus when
 * shown again; kept outside React so it survives tab switches. `changed`
 * fires on every change, subclasses' own state included.
 */
export class TabRouteModel<R> {
  constructor(route: R) {
    this._route = route;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get route(): R {
    return this._route;
  }
  set route(route: R) {
    this._route = route;
    this._changed.emit();
  }

  /**
   * Where the list should put the focus once shown (set by the tab's
   * `back()`), or null to leave the focus alone. Read once.
   */
  takeReturnFocus(): string | null {
    const target = this._returnFocus;
    this._returnFocus = null;
    return target;
  }

  protected _returnFocus: string | null = null;
  protected _changed = new Signal<this, void>(this);
  private _route: R;
}

/** Re-render the calling component whenever `signal` fires. */
export function useSignal(signal: ISignal<unknown, unknown>): void {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    const onChange = (): void => setTick(n => n + 1);
    signal.connect(onChange);
    return () => {
      signal.disconnect(onChange);
    };
  }, [signal]);
}

/** A value that follows `value` once it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = React.useState(value);
  React.useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/** The way back from a detail view or form to its list (feature views by default). */
export function BackToList(props: {
  onClick: () => void;
  /** What the list holds, e.g. `All jobs`. */
  label?: string;
}): JSX.Element {
  return (
    <div className="griffin-detail-nav">
      <button
        type="button"
        className="griffin-link-button"
        data-griffin-action="back"
        onClick={props.onClick}
      >
        <span aria-hidden="true">←</span> {props.label ?? 'All features'}
      </button>
    </div>
  );
}

/** One label and value of a detail view's facts (inside a `<dl>`). */
export function Fact(props: {
  label: string;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <div className="griffin-detail-fact">
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}

/** A file path or URI, in full in the title; `—` when empty. */
export function PathValue(props: { path: string }): JSX.Element {
  return (
    <code className="griffin-path" title={props.path}>
      {props.path || '—'}
    </code>
  );
}

/** A status word coloured by its value (`griffin-status-succeeded`…). */
export function StatusText(props: { status: string }): JSX.Element {
  const { status } = props;
  return (
    <span
      className={`griffin-status-text griffin-status-${status.replace(
        /[^a-z]/gi,
        ''
      )}`}
    >
      {status}
    </span>
  );
}

export interface ISectionProps {
  title: string;
  /** Names the section; its heading's id is `${idPrefix}-${name}`. */
  name: string;
  /** Shown beside the title. */
  extra?: React.ReactNode;
  children: React.ReactNode;
}

/** A titled section of a detail view (a feature view's by default). */
export function Section(
  props: ISectionProps & {
    idPrefix?: string;
    /** More attributes of the `<section>`, e.g. `{ 'data-job-section': name }`. */
    attributes?: Record<string, string>;
  }
): JSX.Element {
  const id = `${props.idPrefix ?? 'griffin-fv-section'}-${props.name}`;
  return (
    <section
      className="griffin-detail-section"
      aria-labelledby={id}
      {...props.attributes}
    >
      <div className="griffin-section-head">
        <h4 className="griffin-subtitle" id={id}>
          {props.title}
        </h4>
        {props.extra}
      </div>
      {props.children}
    </section>
  );
}

/* ------------------------------------------------------------------ */
/* Polling                                                            */
/* ------------------------------------------------------------------ */

export interface IPollState<T> {
  data: T | null;
  error: IShownError | null;
  loading: boolean;
  /** How many requests have been answered (or failed). */
  updates: number;
  reload: () => void;
  setData: (data: T) => void;
}

/**
 * A poll loop: call the poll function now, then again after the ms its
 * answer says, until it answers null, `deps` change or the component goes
 * away. A poll that falls due while `visible()` is false waits, looking
 * again every second. `start` runs once per (re)start and makes the poll
 * function, which may keep state between its calls; it should only set
 * React state while `alive()` is true.
 */
export function usePollLoop(
  start: (alive: () => boolean) => () => Promise<number | null>,
  deps: React.DependencyList,
  visible: () => boolean
): void {
  const visibleRef = React.useRef(visible);
  visibleRef.current = visible;

  React.useEffect(() => {
    let alive = true;
    let timer: number | null = null;
    const poll = start(() => alive);
    const run = async (): Promise<void> => {
      const ms = await poll();
      if (alive && ms !== null) {
        timer = window.setTimeout(tick, ms);
      }
    };
    const tick = (): void => {
      if (!alive) {
        return;
      }
      if (!visibleRef.current()) {
        timer = window.setTimeout(tick, 1000);
        return;
      }
      void run();
    };
    void run();
    return () => {
      alive = false;
      if (timer !== null) {
        window.clearTimeout(timer);
      }
    };
  }, deps);
}

/**
 * Run `load` when `key` changes, then again after `delay(data)` ms for as
 * long as that is not null. Polls are skipped while `visible()` is false.
 */
export function usePolling<T>(
  load: () => Promise<T>,
  key: string,
  delay: (data: T | null) => number | null,
  visible: () => boolean
): IPollState<T> {
  const [data, setDataState] = React.useState<T | null>(null);
  const [error, setError] = React.useState<IShownError | null>(null);
  const [loading, setLoading] = React.useState(true);
  const [updates, setUpdates] = React.useState(0);
  const [nonce, setNonce] = React.useState(0);
  const loadRef = React.useRef(load);
  loadRef.current = load;
  const delayRef = React.useRef(delay);
  delayRef.current = delay;
  const dataRef = React.useRef<T | null>(null);

  usePollLoop(
    alive => async () => {
      setLoading(true);
      try {
        const value = await loadRef.current();
        if (!alive()) {
          return null;
        }
        dataRef.current = value;
        setDataState(value);
        setError(null);
      } catch (reason) {
        if (!alive()) {
          return null;
        }
        setError(toShownError(reason));
      }
      setLoading(false);
      setUpdates(n => n + 1);
      return delayRef.current(dataRef.current);
    },
    [key, nonce],
    visible
  );

  const reload = React.useCallback(() => setNonce(n => n + 1), []);
  const setData = React.useCallback((value: T) => {
    dataRef.current = value;
    setDataState(value);
  }, []);
  return { data, error, loading, updates, reload, setData };
}

/** `4.2 s`, `3 min 12 s`, `2 h 5 min` (durations of jobs and launches). */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) {
    return '—';
  }
  if (seconds < 1) {
    return `${seconds === 0 ? 0 : seconds.toPrecision(2)} s`;
  }
  if (seconds < 60) {
    return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  }
  const whole = Math.round(seconds);
  if (whole < 3600) {
    const s = whole % 60;
    return `${Math.floor(whole / 60)} min${s ? ` ${s} s` : ''}`;
  }
  const m = Math.floor((whole % 3600) / 60);
  return `${Math.floor(whole / 3600)} h${m ? ` ${m} min` : ''}`;
}
