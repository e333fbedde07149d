/**
 * Pieces shared by the Models tab's views: tier badges, health marks, alias
 * chips and a request hook that aborts superseded requests.
 */
import React from 'react';

import { GriffinApiError } from './api';
import { IRequestState, IShownError, toShownError } from './common';

/** Importance tiers: 0 is the most important. */
export const TIER_NAMES: ReadonlyArray<string> = [
  'business-critical',
  'important',
  'standard',
  'experimental'
];

export function tierName(tier: number): string {
  return TIER_NAMES[tier] ?? `tier ${tier}`;
}

/** `T0`…`T3`, coloured by importance; the tier's name in the tooltip. */
export function TierBadge(props: { tier: number }): JSX.Element {
  const { tier } = props;
  const name = tierName(tier);
  return (
    <span
      className={`griffin-tier griffin-tier-${tier}`}
      data-model-tier={tier}
      title={`Tier ${tier}: ${name}`}
      aria-label={`Tier ${tier}, ${name}`}
    >
      T{tier}
    </span>
  );
}

export const HEALTH_STATES: ReadonlyArray<string> = [
  'ok',
  'warning',
  'critical',
  'unknown'
];

function healthClass(health: string): string {
  return HEALTH_STATES.includes(health) ? health : 'unknown';
}

/** A coloured dot for a model's health; the reason in the tooltip. */
export function HealthDot(props: {
  health: string;
  reason?: string;
}): JSX.Element {
  const { health, reason } = props;
  const label = `Health: ${health}${reason ? ` (${reason})` : ''}`;
  return (
    <span
      className={`griffin-health-dot griffin-health-${healthClass(health)}`}
      data-model-health={health}
      title={label}
      role="img"
      aria-label={label}
    />
  );
}

/** The health word with its dot, e.g. in a model's header. */
export function HealthBadge(props: { health: string }): JSX.Element {
  const { health } = props;
  return (
    <span
      className={`griffin-health-badge griffin-health-${healthClass(health)}`}
      data-model-health={health}
    >
      <span className="griffin-health-dot" aria-hidden="true" />
      {health}
    </span>
  );
}

/** `production→v4` chips, most important aliases first. */
export function AliasChips(props: {
  aliases: Record<string, number> | undefined;
}): JSX.Element | null {
  const entries = sortAliases(Object.entries(props.aliases ?? {}));
  if (entries.length === 0) {
    return null;
  }
  return (
    <span className="griffin-chips griffin-alias-chips">
      {entries.map(([alias, version]) => (
        <span
          key={alias}
          className={`griffin-chip griffin-alias-chip${
            alias === 'production' ? ' griffin-alias-production' : ''
          }`}
          data-model-alias={alias}
          title={`${alias} points at version ${version}`}
        >
          {alias}→v{version}
        </span>
      ))}
    </span>
  );
}

const ALIAS_ORDER = ['production', 'champion', 'candidate', 'staging', 'shadow'];

/** Well-known aliases first, the rest by name. */
export function sortAliases<T>(entries: Array<[string, T]>): Array<[string, T]> {
  const rank = (alias: string): number => {
    const i = ALIAS_ORDER.indexOf(alias);
    return i < 0 ? ALIAS_ORDER.length : i;
  };
  return [...entries].sort(
    (a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0])
  );
}

/** Aliases offered in the alias form besides the model's own. */
export const COMMON_ALIASES: ReadonlyArray<string> = [
  'production',
  'candidate',
  'staging',
  'shadow'
];

/** `3 min ago`, `5 days ago`; the date for anything older than a month. */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) {
    return '—';
  }
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) {
    return iso;
  }
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) {
    return 'just now';
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)} min ago`;
  }
  if (s < 86400) {
    return `${Math.floor(s / 3600)} h ago`;
  }
  if (s < 31 * 86400) {
    const n = Math.floor(s / 86400);
    return `${n} day${n === 1 ? '' : 's'} ago`;
  }
  return new Date(at).toLocaleDateString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric'
  });
}

export function Ago(props: { iso: string | null | undefined }): JSX.Element {
  const { iso } = props;
  if (!iso) {
    return <span>—</span>;
  }
  return (
    <time dateTime={iso} title={new Date(iso).toLocaleString()}>
      {formatAgo(iso)}
    </time>
  );
}

/**
 * A user name as the registry recorded it; an anonymous Jupyter user's
 * 32-hex id is shortened (in full in the title).
 */
export function Actor(props: { name: string }): JSX.Element {
  const { name } = props;
  const short = /^[0-9a-f]{20,}$/i.test(name) ? `${name.slice(0, 8)}…` : name;
  return (
    <span className="griffin-actor" title={name}>
      {short}
    </span>
  );
}

function isAbort(error: unknown): boolean {
  if (error instanceof DOMException && error.name === 'AbortError') {
    return true;
  }
  return (
    error instanceof GriffinApiError &&
    error.errorType === 'NetworkError' &&
    /abort/i.test(error.message)
  );
}

/**
 * Like `useRequest`, but the loader gets an `AbortSignal`: a request whose
 * key is superseded (or whose component goes away) is aborted, and its
 * answer, if one still arrives, is dropped. `key` tells whether the data
 * shown belongs to the latest key.
 */
export function useAbortableRequest<T>(
  load: (signal: AbortSignal) => Promise<T>,
  key: string
): IRequestState<T> & { key: string | null } {
  const [state, setState] = React.useState<{
    data: T | null;
    key: string | null;
    error: IShownError | null;
    loading: boolean;
  }>({ data: null, key: null, error: null, loading: true });
  const [nonce, setNonce] = React.useState(0);
  const loadRef = React.useRef(load);
  loadRef.current = load;

  React.useEffect(() => {
    const controller = new AbortController();
    setState(s => ({ ...s, loading: true }));
    loadRef.current(controller.signal).then(
      value => {
        if (!controller.signal.aborted) {
          setState({ data: value, key, error: null, loading: false });
        }
      },
      reason => {
        if (!controller.signal.aborted && !isAbort(reason)) {
          setState(s => ({
            ...s,
            error: toShownError(reason),
            loading: false
          }));
        }
      }
    );
    return () => controller.abort();
  }, [key, nonce]);

  const reload = React.useCallback(() => setNonce(n => n + 1), []);
  const setData = React.useCallback(
    (data: T) => setState(s => ({ ...s, data, error: null })),
    []
  );
  return { ...state, reload, setData };
}
