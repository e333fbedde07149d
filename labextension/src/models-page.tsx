/**
 * One registered model: its header (tier, health, owner, tags, links), the
 * Markdown model card (editable), aliases with their history and a form to
 * move them, and its versions with metrics and lineage; versions can be
 * picked for a comparison.
 */
import { InputDialog } from '@jupyterlab/apputils';
import React from 'react';

import {
  AliasEvent,
  deleteModelAlias,
  fetchModel,
  ModelDetail,
  ModelVersionInfo,
  setModelAlias,
  updateModel
} from './api';
import {
  BackToList,
  ErrorBox,
  Fact,
  formatNumber,
  IShownError,
  ISectionProps,
  Loading,
  PathValue,
  Section,
  Time,
  toShownError,
  useRequest
} from './common';
import type { ModelsModel } from './models';
import {
  Actor,
  Ago,
  AliasChips,
  COMMON_ALIASES,
  HealthBadge,
  sortAliases,
  tierName,
  TierBadge
} from './models-common';
import { MarkdownView } from './models-markdown';

/** A section of the model page (`data-model-section` = its name). */
export function ModelSection(props: ISectionProps): JSX.Element {
  return (
    <Section
      {...props}
      idPrefix="griffin-model-section"
      attributes={{ 'data-model-section': props.name }}
    />
  );
}

/** Numeric metrics, held-out ones first: the ones a list shows. */
export function keyMetrics(
  metrics: Record<string, unknown>,
  count = 3
): Array<[string, number]> {
  const rank = (name: string): number =>
    /^(valid|validation|val|eval|test)_/.test(name)
      ? 0
      : /^(train|training)_/.test(name)
        ? 2
        : 1;
  return Object.entries(metrics ?? {})
    .filter(
      (entry): entry is [string, number] =>
        typeof entry[1] === 'number' && Number.isFinite(entry[1])
    )
    .sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]))
    .slice(0, count);
}

export function ModelPage(props: { name: string; model: ModelsModel }): JSX.Element {
  const { name, model } = props;
  const detail = useRequest<ModelDetail>(
    () => fetchModel(name),
    `${name}#${model.generation}`
  );
  const heading = React.useRef<HTMLHeadingElement>(null);
  React.useEffect(() => {
    heading.current?.focus();
  }, []);

  const info = detail.data;
  const versions = React.useMemo(
    () => [...(info?.versions ?? [])].sort((a, b) => b.version - a.version),
    [info]
  );
  const [picked, setPicked] = React.useState<number[] | null>(null);
  // The latest two until the user picks.
  const chosen = picked ?? versions.slice(0, 2).map(v => v.version);

  return (
    <div
      className="griffin-detail griffin-model-detail"
      data-griffin-view="model-detail"
      data-model-name={name}
      aria-busy={detail.loading}
    >
      <BackToList label="All models" onClick={() => model.back()} />
      <div className="griffin-detail-head">
        <h3 className="griffin-detail-title" tabIndex={-1} ref={heading}>
          {name}
        </h3>
        {info ? <TierBadge tier={info.tier} /> : null}
        {info ? <HealthBadge health={info.health} /> : null}
        <button
          type="button"
          className="griffin-link-button griffin-model-refresh"
          data-griffin-action="refresh-model"
          title="Load the model again"
          onClick={detail.reload}
        >
          {detail.loading ? 'Loading…' : 'Refresh'}
        </button>
      </div>
      {detail.error ? (
        <ErrorBox title={`Could not load model ${name}`} error={detail.error} />
      ) : null}
      {info === null && !detail.error ? <Loading label="Loading the model…" /> : null}
      {info ? (
        <>
          <ModelHeader info={info} />
          <ModelCard
            info={info}
            onSaved={() => model.registryChanged()}
          />
          <AliasSection
            info={info}
            versions={versions}
            onChanged={() => model.registryChanged()}
          />
          <ModelSection
            title={`Versions (${versions.length})`}
            name="versions"
            extra={
              versions.length >= 2 ? (
                <button
                  type="button"
                  className="griffin-button"
                  data-griffin-action="compare-versions"
                  disabled={chosen.length < 2}
                  title={
                    chosen.length < 2
                      ? 'Pick at least two versions to compare'
                      : `Compare ${chosen
                          .slice()
                          .sort((a, b) => a - b)
                          .map(v => `v${v}`)
                          .join(', ')}`
                  }
                  onClick={() => model.openCompare(name, chosen)}
                >
                  Compare ({chosen.length})
                </button>
              ) : null
            }
          >
            {versions.length === 0 ? (
              <p className="griffin-muted">No versions registered yet.</p>
            ) : (
              <ul className="griffin-card-list griffin-version-list">
                {versions.map(v => (
                  <VersionCard
                    key={v.version}
                    version={v}
                    latest={v.version === info.latest_version}
                    picked={chosen.includes(v.version)}
                    onPick={on =>
                      setPicked(
                        on
                          ? [...chosen, v.version]
                          : chosen.filter(x => x !== v.version)
                      )
                    }
                    model={model}
                  />
                ))}
              </ul>
            )}
          </ModelSection>
        </>
      ) : null}
    </div>
  );
}

function ModelHeader(props: { info: ModelDetail }): JSX.Element {
  const { info } = props;
  const links = info.links ?? [];
  return (
    <>
      {info.description ? (
        <p className="griffin-detail-description">{info.description}</p>
      ) : null}
      {info.health !== 'ok' && info.health !== 'unknown' ? (
        <div
          className={`griffin-model-health-note griffin-health-${info.health}`}
          role="status"
          data-model-health-reason
        >
          <strong>{info.health}</strong>
          {info.health_reason ? `: ${info.health_reason}` : ''}
          {info.health_updated_at ? (
            <span className="griffin-muted">
              {' '}
              · <Ago iso={info.health_updated_at} />
            </span>
          ) : null}
        </div>
      ) : null}
      <dl className="griffin-detail-facts griffin-model-facts">
        <Fact label="Tier">
          {info.tier} · {tierName(info.tier)}
        </Fact>
        <Fact label="Owner">{info.owner || '—'}</Fact>
        <Fact label="Team">{info.team || '—'}</Fact>
        <Fact label="Use case">{info.use_case || '—'}</Fact>
        <Fact label="Latest">
          {info.latest_version !== null ? `v${info.latest_version}` : '—'}
          {info.framework ? (
            <span className="griffin-kind">{info.framework}</span>
          ) : null}
        </Fact>
        <Fact label="Aliases">
          {Object.keys(info.aliases ?? {}).length > 0 ? (
            <AliasChips aliases={info.aliases} />
          ) : (
            '—'
          )}
        </Fact>
        <Fact label="Updated">
          <Ago iso={info.updated_at} />
          {info.updated_by ? (
            <span className="griffin-muted">
              {' '}
              by <Actor name={info.updated_by} />
            </span>
          ) : null}
        </Fact>
        <Fact label="Created">
          <Time iso={info.created_at} />
          {info.created_by ? (
            <span className="griffin-muted">
              {' '}
              by <Actor name={info.created_by} />
            </span>
          ) : null}
        </Fact>
        {(info.tags ?? []).length > 0 ? (
          <Fact label="Tags">
            <span className="griffin-chips" data-model-tags>
              {(info.tags ?? []).map(tag => (
                <span key={tag} className="griffin-chip" data-model-tag={tag}>
                  {tag}
                </span>
              ))}
            </span>
          </Fact>
        ) : null}
        {links.length > 0 ? (
          <Fact label="Links">
            <ul className="griffin-model-links">
              {links.map(link => (
                <li key={`${link.title}#${link.url}`}>
                  <a
                    href={link.url}
                    target="_blank"
                    rel="noopener noreferrer"
                    title={link.url}
                  >
                    {link.title}
                  </a>
                </li>
              ))}
            </ul>
          </Fact>
        ) : null}
      </dl>
    </>
  );
}

/* ------------------------------------------------------------------ */
/* Model card                                                         */
/* ------------------------------------------------------------------ */

function ModelCard(props: { info: ModelDetail; onSaved: () => void }): JSX.Element {
  const { info, onSaved } = props;
  const [editing, setEditing] = React.useState(false);
  const [text, setText] = React.useState(info.card ?? '');
  const [saving, setSaving] = React.useState(false);
  const [error, setError] = React.useState<IShownError | null>(null);

  const start = (): void => {
    setText(info.card ?? '');
    setError(null);
    setEditing(true);
  };
  const save = async (): Promise<void> => {
    setSaving(true);
    setError(null);
    try {
      await updateModel(info.name, { card: text });
      setEditing(false);
      onSaved();
    } catch (reason) {
      setError(toShownError(reason));
    } finally {
      setSaving(false);
    }
  };

  return (
    <ModelSection
      title="Model card"
      name="card"
      extra={
        editing ? null : (
          <button
            type="button"
            className="griffin-link-button"
            data-griffin-action="edit-card"
            onClick={start}
          >
            Edit
          </button>
        )
      }
    >
      {editing ? (
        <div className="griffin-model-card-edit">
          <label htmlFor="griffin-model-card-text" className="griffin-sr-only">
            Model card (Markdown)
          </label>
          <textarea
            id="griffin-model-card-text"
            className="griffin-input griffin-code-input"
            rows={12}
            value={text}
            spellCheck
            data-griffin-input="model-card"
            onChange={event => setText(event.target.value)}
          />
          {error ? <ErrorBox title="The card was not saved" error={error} /> : null}
          <div className="griffin-actions">
            <button
              type="button"
              className="griffin-button griffin-button-primary"
              data-griffin-action="save-card"
              disabled={saving}
              onClick={() => void save()}
            >
              {saving ? 'Saving…' : 'Save card'}
            </button>
            <button
              type="button"
              className="griffin-button"
              disabled={saving}
              onClick={() => setEditing(false)}
            >
              Cancel
            </button>
          </div>
        </div>
      ) : info.card?.trim() ? (
        <MarkdownView source={info.card} />
      ) : (
        <p className="griffin-muted" data-model-card-empty>
          No model card yet: describe what the model predicts, its training
          data, evaluation and known limits.
        </p>
      )}
    </ModelSection>
  );
}

/* ------------------------------------------------------------------ */
/* Aliases                                                            */
/* ------------------------------------------------------------------ */

function AliasSection(props: {
  info: ModelDetail;
  versions: ModelVersionInfo[];
  onChanged: () => void;
}): JSX.Element {
  const { info, versions, onChanged } = props;
  const aliases = sortAliases(Object.entries(info.aliases ?? {}));
  const [error, setError] = React.useState<IShownError | null>(null);
  const [busy, setBusy] = React.useState<string | null>(null);

  const remove = async (alias: string, version: number): Promise<void> => {
    const answer = await InputDialog.getText({
      title: `Remove alias ${alias} (v${version})?`,
      label: 'Why? (kept in the alias history)',
      placeholder: 'reason',
      okLabel: 'Remove alias'
    });
    if (!answer.button.accept) {
      return;
    }
    setBusy(alias);
    setError(null);
    try {
      await deleteModelAlias(info.name, alias, answer.value ?? '');
      onChanged();
    } catch (reason) {
      setError(toShownError(reason));
    } finally {
      setBusy(null);
    }
  };

  return (
    <ModelSection title="Aliases" name="aliases">
      {aliases.length === 0 ? (
        <p className="griffin-muted">
          No aliases: point one (e.g. <code>production</code>) at a version
          so that serving and notebooks can load it by name.
        </p>
      ) : (
        <ul className="griffin-model-aliases">
          {aliases.map(([alias, version]) => (
            <li key={alias} data-alias-row={alias}>
              <span
                className={`griffin-chip griffin-alias-chip${
                  alias === 'production' ? ' griffin-alias-production' : ''
                }`}
              >
                {alias}
              </span>
              <span aria-hidden="true">→</span>
              <span data-alias-version={version}>v{version}</span>
              <button
                type="button"
                className="griffin-icon-button"
                data-griffin-action="remove-alias"
                data-alias={alias}
                aria-label={`Remove alias ${alias}`}
                title={`Remove alias ${alias}`}
                disabled={busy !== null}
                onClick={() => void remove(alias, version)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {error ? <ErrorBox title="The alias was not removed" error={error} /> : null}
      {versions.length > 0 ? (
        <SetAliasForm info={info} versions={versions} onChanged={onChanged} />
      ) : null}
      <AliasHistory events={info.alias_history ?? []} />
    </ModelSection>
  );
}

function SetAliasForm(props: {
  info: ModelDetail;
  versions: ModelVersionInfo[];
  onChanged: () => void;
}): JSX.Element {
  const { info, versions, onChanged } = props;
  const [alias, setAlias] = React.useState('');
  const [version, setVersion] = React.useState<number>(
    info.latest_version ?? versions[0]?.version ?? 1
  );
  const [reason, setReason] = React.useState('');
  const [saving, setSaving] = React.useState(false);
  const [error, setError] = React.useState<IShownError | null>(null);
  const [done, setDone] = React.useState<string | null>(null);

  const current = info.aliases?.[alias.trim()];
  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    const name = alias.trim();
    setSaving(true);
    setError(null);
    setDone(null);
    try {
      const answer = await setModelAlias(info.name, name, version, reason.trim());
      setDone(`${answer.alias} → v${answer.version}`);
      setReason('');
      onChanged();
    } catch (reason) {
      setError(toShownError(reason));
    } finally {
      setSaving(false);
    }
  };

  const options = Array.from(
    new Set([...Object.keys(info.aliases ?? {}), ...COMMON_ALIASES])
  );
  return (
    <form
      className="griffin-model-alias-form"
      data-griffin-view="set-alias"
      onSubmit={event => void submit(event)}
    >
      <div className="griffin-minor-title">Set an alias</div>
      <div className="griffin-model-alias-fields">
        <div className="griffin-field">
          <label htmlFor="griffin-alias-name">Alias</label>
          <input
            id="griffin-alias-name"
            className="griffin-input"
            type="text"
            value={alias}
            placeholder="production"
            list="griffin-alias-name-options"
            autoComplete="off"
            spellCheck={false}
            required
            aria-invalid={error?.field === 'alias' ? true : undefined}
            data-griffin-input="alias-name"
            onChange={event => setAlias(event.target.value)}
          />
          <datalist id="griffin-alias-name-options">
            {options.map(option => (
              <option key={option} value={option} />
            ))}
          </datalist>
        </div>
        <div className="griffin-field">
          <label htmlFor="griffin-alias-version">Version</label>
          <select
            id="griffin-alias-version"
            className="griffin-input griffin-select"
            value={version}
            data-griffin-input="alias-version"
            onChange={event => setVersion(Number(event.target.value))}
          >
            {versions.map(v => (
              <option key={v.version} value={v.version}>
                v{v.version}
                {v.version === info.latest_version ? ' (latest)' : ''}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="griffin-field">
        <label htmlFor="griffin-alias-reason">Reason</label>
        <input
          id="griffin-alias-reason"
          className="griffin-input"
          type="text"
          value={reason}
          placeholder="why this version (kept in the history)"
          autoComplete="off"
          data-griffin-input="alias-reason"
          onChange={event => setReason(event.target.value)}
        />
      </div>
      {current !== undefined && alias.trim() ? (
        <p className="griffin-hint">
          {current === version
            ? `${alias.trim()} already points at v${version}.`
            : `Moves ${alias.trim()} from v${current} to v${version}.`}
        </p>
      ) : null}
      {error ? <ErrorBox title="The alias was not set" error={error} /> : null}
      <div className="griffin-actions">
        <button
          type="submit"
          className="griffin-button griffin-button-primary"
          data-griffin-action="set-alias"
          disabled={saving || !alias.trim()}
        >
          {saving ? 'Setting…' : 'Set alias'}
        </button>
        {done ? (
          <span className="griffin-muted" role="status" data-alias-done>
            Set {done}.
          </span>
        ) : null}
      </div>
    </form>
  );
}

function AliasHistory(props: { events: AliasEvent[] }): JSX.Element {
  const { events } = props;
  return (
    <>
      <div className="griffin-minor-title">History</div>
      {events.length === 0 ? (
        <p className="griffin-muted" data-alias-history-empty>
          No alias has moved yet.
        </p>
      ) : (
        <ol className="griffin-model-alias-history" data-alias-history>
          {events.map((event, i) => (
            <li
              key={`${event.at}#${event.alias}#${i}`}
              data-alias-event={event.alias}
              data-alias-to={event.to_version ?? ''}
            >
              <div className="griffin-alias-event-head">
                <span className="griffin-chip griffin-alias-chip">{event.alias}</span>
                <span className="griffin-alias-move">
                  {event.from_version !== null ? `v${event.from_version}` : 'new'}
                  {' → '}
                  {event.to_version !== null ? `v${event.to_version}` : 'removed'}
                </span>
              </div>
              <div className="griffin-card-meta">
                <Actor name={event.actor} />
                <Ago iso={event.at} />
              </div>
              {event.reason ? (
                <div className="griffin-alias-reason">“{event.reason}”</div>
              ) : null}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

/* ------------------------------------------------------------------ */
/* Versions and lineage                                               */
/* ------------------------------------------------------------------ */

function VersionCard(props: {
  version: ModelVersionInfo;
  latest: boolean;
  picked: boolean;
  onPick: (on: boolean) => void;
  model: ModelsModel;
}): JSX.Element {
  const { version: v, latest, picked, onPick, model } = props;
  const metrics = keyMetrics(v.metrics ?? {});
  const aliases = Object.fromEntries((v.aliases ?? []).map(a => [a, v.version]));
  const id = `griffin-version-pick-${v.version}`;
  return (
    <li
      className={`griffin-card griffin-version-card${picked ? ' griffin-mod-picked' : ''}`}
      data-model-version={v.version}
    >
      <div className="griffin-card-static">
        <div className="griffin-version-head">
          <input
            id={id}
            type="checkbox"
            checked={picked}
            data-compare-pick={v.version}
            aria-label={`Compare version ${v.version}`}
            onChange={event => onPick(event.target.checked)}
          />
          <label htmlFor={id} className="griffin-card-title">
            v{v.version}
          </label>
          <span className="griffin-kind">{v.framework}</span>
          <span className="griffin-muted" title="Source">
            {v.source}
          </span>
          {latest ? <span className="griffin-muted">latest</span> : null}
          <AliasChips aliases={aliases} />
        </div>
        {v.description ? (
          <div className="griffin-card-text">{v.description}</div>
        ) : null}
        {metrics.length > 0 ? (
          <dl className="griffin-version-metrics">
            {metrics.map(([name, value]) => (
              <div key={name} data-version-metric={name}>
                <dt>{name}</dt>
                <dd title={String(value)}>{formatNumber(value, 4)}</dd>
              </div>
            ))}
          </dl>
        ) : null}
        <span className="griffin-card-meta">
          <span>
            <Ago iso={v.created_at} />
          </span>
          {v.created_by ? (
            <span>
              by <Actor name={v.created_by} />
            </span>
          ) : null}
          {v.status && v.status !== 'ready' ? <span>{v.status}</span> : null}
        </span>
        <details className="griffin-version-lineage" data-version-lineage={v.version}>
          <summary>Lineage and details</summary>
          <Lineage version={v} model={model} />
        </details>
      </div>
    </li>
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function shortJson(value: unknown): string {
  if (typeof value === 'number') {
    return formatNumber(value, 4);
  }
  if (typeof value === 'string') {
    return value;
  }
  return JSON.stringify(value);
}

const LINEAGE_SHOWN = new Set([
  'training_job',
  'feature_refs',
  'data_fingerprint',
  'base_model',
  'imported_from',
  'tuning',
  'spec'
]);

function Lineage(props: {
  version: ModelVersionInfo;
  model: ModelsModel;
}): JSX.Element {
  const { version: v, model } = props;
  const lineage = (v.lineage ?? {}) as Record<string, unknown>;
  const job = typeof lineage['training_job'] === 'string' ? lineage['training_job'] : '';
  const refs = Array.isArray(lineage['feature_refs'])
    ? (lineage['feature_refs'] as unknown[]).map(String)
    : [];
  const fingerprint = lineage['data_fingerprint'];
  const base = lineage['base_model'];
  const imported = lineage['imported_from'];
  const tuning = lineage['tuning'];
  const spec = lineage['spec'];
  const rest = Object.entries(lineage).filter(
    ([k, value]) =>
      !LINEAGE_SHOWN.has(k) && value !== null && value !== undefined && value !== ''
  );
  const inputs = Array.isArray(v.signature?.['inputs'])
    ? (v.signature['inputs'] as unknown[]).filter(isRecord)
    : [];
  const outputs = Array.isArray(v.signature?.['outputs'])
    ? (v.signature['outputs'] as unknown[]).filter(isRecord)
    : [];
  const params = Object.entries(v.params ?? {});
  const allMetrics = Object.entries(v.metrics ?? {});

  return (
    <dl className="griffin-detail-facts griffin-lineage">
      <Fact label="Training job">
        {job ? (
          model.canOpenJob ? (
            <button
              type="button"
              className="griffin-link-button griffin-lineage-job"
              data-lineage-job={job}
              title="Open the job in the Training tab"
              onClick={() => model.openJob(job)}
            >
              {job}
            </button>
          ) : (
            <code>{job}</code>
          )
        ) : (
          <span className="griffin-muted">
            none ({v.source === 'import' ? 'imported' : v.source})
          </span>
        )}
      </Fact>
      {refs.length > 0 ? (
        <Fact label="Features">
          <span className="griffin-chips" data-lineage-features>
            {refs.map(ref => {
              const view = ref.split(':')[0];
              return model.canOpenFeatureView ? (
                <button
                  key={ref}
                  type="button"
                  className="griffin-chip griffin-chip-link"
                  data-lineage-feature={ref}
                  title={`Open feature view ${view}`}
                  onClick={() => model.openFeatureView(view)}
                >
                  {ref}
                </button>
              ) : (
                <code key={ref} className="griffin-chip">
                  {ref}
                </code>
              );
            })}
          </span>
        </Fact>
      ) : null}
      {fingerprint ? (
        <Fact label="Data">
          <code className="griffin-path" title={shortJson(fingerprint)} data-lineage-fingerprint>
            {shortJson(fingerprint)}
          </code>
        </Fact>
      ) : null}
      {base ? (
        <Fact label="Base model">
          <code data-lineage-base>{isRecord(base) ? shortJson(base) : String(base)}</code>
        </Fact>
      ) : null}
      {isRecord(imported) ? (
        <Fact label="Imported from">
          <span data-lineage-imported>
            {String(imported['model'] ?? '?')}
            {imported['version'] !== undefined ? ` v${String(imported['version'])}` : ''}
            {imported['bundle'] ? (
              <PathValue path={String(imported['bundle'])} />
            ) : null}
          </span>
        </Fact>
      ) : null}
      {isRecord(tuning) ? (
        <Fact label="Tuning">
          <code className="griffin-path">{shortJson(tuning)}</code>
        </Fact>
      ) : null}
      {rest.map(([key, value]) => (
        <Fact key={key} label={key.replace(/_/g, ' ')}>
          <code className="griffin-path">{shortJson(value)}</code>
        </Fact>
      ))}
      <Fact label="Artifact">
        <PathValue path={v.artifact_uri} />
      </Fact>
      {inputs.length > 0 ? (
        <Fact label="Inputs">
          <span title={inputs.map(i => `${i['name']}: ${i['type']}`).join('\n')}>
            {inputs.length} ({inputs.slice(0, 6).map(i => String(i['name'])).join(', ')}
            {inputs.length > 6 ? ', …' : ''})
          </span>
        </Fact>
      ) : null}
      {outputs.length > 0 ? (
        <Fact label="Outputs">
          {outputs.map(o => `${o['name']}: ${o['type']}`).join(', ')}
        </Fact>
      ) : null}
      {allMetrics.length > 0 ? (
        <Fact label="Metrics">
          <span className="griffin-lineage-kv">
            {allMetrics.map(([k, value]) => (
              <span key={k}>
                <code>{k}</code> {formatNumber(value, 4)}
              </span>
            ))}
          </span>
        </Fact>
      ) : null}
      {params.length > 0 ? (
        <Fact label="Params">
          <span className="griffin-lineage-kv">
            {params.map(([k, value]) => (
              <span key={k}>
                <code>{k}</code> {shortJson(value)}
              </span>
            ))}
          </span>
        </Fact>
      ) : null}
      {isRecord(spec) ? (
        <Fact label="Spec">
          <details className="griffin-sample">
            <summary>Show the training spec</summary>
            <pre className="griffin-code">{JSON.stringify(spec, null, 2)}</pre>
          </details>
        </Fact>
      ) : null}
    </dl>
  );
}
