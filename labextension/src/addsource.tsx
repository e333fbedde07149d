/**
 * The new-source form of the Features tab: pick a parquet/CSV file (a path
 * on the server, or an upload), choose entity, timestamp and feature
 * columns, settings and validation rules, preview (dry run), then apply.
 */
import { PageConfig } from '@jupyterlab/coreutils';
import React from 'react';

import {
  addSource,
  AddSourceResult,
  GriffinApiError,
  InferredColumn,
  InferredSchema,
  inferSource,
  reportFromError,
  RuleKind,
  SourceRule,
  SourceSpec,
  uploadFile,
  ValidationReport
} from './api';
import {
  BackToList,
  ErrorBox,
  formatValue,
  IShownError,
  toShownError
} from './common';
import { formatRule, ReportView } from './reports';

const DTYPES = ['int64', 'float64', 'string', 'bool', 'timestamp'] as const;
type DType = (typeof DTYPES)[number];

const RULE_KINDS: ReadonlyArray<{ kind: RuleKind; label: string }> = [
  { kind: 'not_null', label: 'Not null' },
  { kind: 'range', label: 'Range' },
  { kind: 'allowed_values', label: 'Allowed values' },
  { kind: 'dtype', label: 'Type' },
  { kind: 'unique', label: 'Unique' },
  { kind: 'freshness', label: 'Freshness' }
];

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface IRuleDraft {
  id: number;
  kind: RuleKind;
  column: string;
  min: string;
  max: string;
  values: string;
  dtype: DType;
  columns: string[];
  maxAge: string;
}

interface IProblem {
  message: string;
}

/** An error of a step: shown next to the button that caused it. */
interface IFormError {
  step: 'source' | 'preview';
  title: string;
  error: IShownError;
  report: ValidationReport | null;
}

function FormError(props: { error: IFormError }): JSX.Element {
  const { error } = props;
  const ref = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    ref.current?.scrollIntoView?.({ block: 'nearest' });
  }, [error]);
  return (
    <div ref={ref}>
      <ErrorBox title={error.title} error={error.error}>
        {error.report ? (
          <div className="griffin-error-report">
            <ReportView report={error.report} />
          </div>
        ) : null}
      </ErrorBox>
    </div>
  );
}

/** A path as the server reads it: relative paths start at Jupyter's root. */
export function serverPath(path: string): string {
  const trimmed = path.trim();
  if (!trimmed || /^([/~]|[A-Za-z]:[\\/]|\\\\)/.test(trimmed)) {
    return trimmed;
  }
  const root = PageConfig.getOption('serverRoot').replace(/[\\/]+$/, '');
  const relative = trimmed.replace(/^\.\//, '');
  return root ? `${root}/${relative}` : relative;
}

/** `data/Store Visits.csv` → `store_visits`. */
function nameFromPath(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.[^.]*$/, '');
  let name = stem
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (/^[0-9]/.test(name)) {
    name = `_${name}`;
  }
  return name;
}

function parseTags(text: string): { tags: Record<string, string>; bad: string[] } {
  const tags: Record<string, string> = {};
  const bad: string[] = [];
  for (const raw of text.split(/[\n,]/)) {
    const line = raw.trim();
    if (!line) {
      continue;
    }
    const at = line.indexOf('=');
    const key = (at >= 0 ? line.slice(0, at) : line).trim();
    if (!key) {
      bad.push(line);
      continue;
    }
    tags[key] = at >= 0 ? line.slice(at + 1).trim() : '';
  }
  return { tags, bad };
}

function parseNumber(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (!trimmed) {
    return null;
  }
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** A draft rule as the API wants it, or a problem in words. */
function toRule(
  draft: IRuleDraft,
  columns: ReadonlyArray<InferredColumn>,
  index: number
): SourceRule | IProblem {
  const where = `Rule ${index + 1}`;
  const column = columns.find(c => c.name === draft.column);
  if (draft.kind !== 'unique' && !column) {
    return { message: `${where}: choose a column.` };
  }
  switch (draft.kind) {
    case 'not_null':
      return { kind: 'not_null', column: draft.column };
    case 'range': {
      const min = parseNumber(draft.min);
      const max = parseNumber(draft.max);
      if (min === undefined || max === undefined) {
        return { message: `${where}: min and max must be numbers.` };
      }
      if (min === null && max === null) {
        return { message: `${where}: give a min, a max or both.` };
      }
      if (min !== null && max !== null && min > max) {
        return { message: `${where}: min is larger than max.` };
      }
      return { kind: 'range', column: draft.column, min, max };
    }
    case 'allowed_values': {
      const texts = draft.values
        .split(',')
        .map(v => v.trim())
        .filter(Boolean);
      if (texts.length === 0) {
        return { message: `${where}: list the allowed values.` };
      }
      const numeric =
        column !== undefined &&
        (column.dtype === 'int64' || column.dtype === 'float64') &&
        texts.every(t => Number.isFinite(Number(t)));
      const boolean =
        column !== undefined &&
        column.dtype === 'bool' &&
        texts.every(t => /^(true|false)$/i.test(t));
      const values = numeric
        ? texts.map(Number)
        : boolean
          ? texts.map(t => t.toLowerCase() === 'true')
          : texts;
      return { kind: 'allowed_values', column: draft.column, values };
    }
    case 'dtype':
      return { kind: 'dtype', column: draft.column, dtype: draft.dtype };
    case 'unique':
      if (draft.columns.length === 0) {
        return { message: `${where}: choose the columns that must be unique.` };
      }
      return { kind: 'unique', columns: draft.columns };
    case 'freshness':
      if (!/^\s*\d+(\.\d+)?\s*[a-z]+\s*$/i.test(draft.maxAge)) {
        return { message: `${where}: max age looks like 2d, 12h or 30m.` };
      }
      return {
        kind: 'freshness',
        column: draft.column,
        max_age: draft.maxAge.trim()
      };
  }
}

function isProblem(value: SourceRule | IProblem): value is IProblem {
  return 'message' in value;
}

let nextRuleId = 1;

function newRule(schema: InferredSchema, entities: string[], timestamp: string): IRuleDraft {
  const firstFeature =
    schema.columns.find(c => !entities.includes(c.name) && c.name !== timestamp)
      ?.name ?? schema.columns[0]?.name ?? '';
  return {
    id: nextRuleId++,
    kind: 'not_null',
    column: firstFeature,
    min: '',
    max: '',
    values: '',
    dtype: 'float64',
    columns: timestamp ? [...entities, timestamp] : [...entities],
    maxAge: '2d'
  };
}

export function AddSourceForm(props: {
  onCancel: () => void;
  onCreated: (name: string) => void;
}): JSX.Element {
  const { onCancel, onCreated } = props;
  const [path, setPath] = React.useState('');
  const [busy, setBusy] = React.useState<
    null | 'upload' | 'inspect' | 'preview' | 'apply'
  >(null);
  const [error, setError] = React.useState<IFormError | null>(null);
  const [uploaded, setUploaded] = React.useState<string | null>(null);
  const [schema, setSchema] = React.useState<InferredSchema | null>(null);
  const [entities, setEntities] = React.useState<string[]>([]);
  const [timestamp, setTimestamp] = React.useState('');
  const [excluded, setExcluded] = React.useState<string[]>([]);
  const [name, setName] = React.useState('');
  const [owner, setOwner] = React.useState('');
  const [ttl, setTtl] = React.useState('90d');
  const [description, setDescription] = React.useState('');
  const [tagsText, setTagsText] = React.useState('');
  const [online, setOnline] = React.useState(true);
  const [rules, setRules] = React.useState<IRuleDraft[]>([]);
  const [preview, setPreview] = React.useState<{
    key: string;
    result: AddSourceResult;
  } | null>(null);
  const fileInput = React.useRef<HTMLInputElement>(null);
  const heading = React.useRef<HTMLHeadingElement>(null);
  React.useEffect(() => {
    heading.current?.focus();
  }, []);

  const inspect = async (target: string): Promise<void> => {
    const resolved = serverPath(target);
    if (!resolved) {
      return;
    }
    setBusy('inspect');
    setError(null);
    try {
      const inferred = await inferSource(resolved);
      setSchema(inferred);
      const names = inferred.columns.map(c => c.name);
      const keys = inferred.suggested_entities.filter(c => names.includes(c));
      setEntities(keys);
      setTimestamp(inferred.suggested_timestamp ?? '');
      setExcluded([]);
      setRules(current => current.filter(r => names.includes(r.column)));
      setPreview(null);
      if (!name.trim()) {
        setName(nameFromPath(inferred.path));
      }
    } catch (reason) {
      setSchema(null);
      setError({
        step: 'source',
        title: 'Could not read the file',
        error: toShownError(reason),
        report: null
      });
    } finally {
      setBusy(null);
    }
  };

  const upload = async (file: File): Promise<void> => {
    setBusy('upload');
    setError(null);
    try {
      const relative = await uploadFile(file);
      setUploaded(relative);
      setPath(relative);
      setBusy(null);
      await inspect(relative);
    } catch (reason) {
      setError({
        step: 'source',
        title: `Could not upload ${file.name}`,
        error: toShownError(reason),
        report: null
      });
    } finally {
      setBusy(null);
      if (fileInput.current) {
        fileInput.current.value = '';
      }
    }
  };

  // Everything below needs an inspected file.
  const columns = schema?.columns ?? [];
  const features = columns
    .map(c => c.name)
    .filter(c => !entities.includes(c) && c !== timestamp && !excluded.includes(c));
  const { tags, bad: badTags } = parseTags(tagsText);
  const problems: string[] = [];
  const builtRules: SourceRule[] = [];
  rules.forEach((draft, i) => {
    const rule = toRule(draft, columns, i);
    if (isProblem(rule)) {
      problems.push(rule.message);
    } else {
      builtRules.push(rule);
    }
  });
  if (!NAME_PATTERN.test(name.trim())) {
    problems.unshift(
      'Name: letters, digits and underscores, not starting with a digit.'
    );
  }
  if (!owner.trim()) {
    problems.unshift('Owner: who answers for this view (an email or a team).');
  }
  if (entities.length === 0) {
    problems.push('Choose at least one entity key column.');
  }
  if (!timestamp) {
    problems.push('Choose the event timestamp column.');
  }
  if (features.length === 0) {
    problems.push('Choose at least one feature column.');
  }
  if (!ttl.trim()) {
    problems.push('TTL: how long a value stays valid, e.g. 90d.');
  }
  if (badTags.length) {
    problems.push(`Tags: “${badTags[0]}” needs a key (key=value).`);
  }

  const spec: SourceSpec | null = schema
    ? {
        name: name.trim(),
        path: schema.path,
        entities,
        timestamp,
        features: features.map(feature => ({
          name: feature,
          dtype: null,
          description: ''
        })),
        ttl: ttl.trim(),
        owner: owner.trim(),
        description: description.trim(),
        tags,
        rules: builtRules,
        online
      }
    : null;
  const specKey = JSON.stringify(spec);
  const currentPreview = preview && preview.key === specKey ? preview.result : null;

  const run = async (dryRun: boolean): Promise<void> => {
    if (!spec || problems.length) {
      return;
    }
    setBusy(dryRun ? 'preview' : 'apply');
    setError(null);
    try {
      const result = await addSource(spec, dryRun);
      if (dryRun) {
        setPreview({ key: specKey, result });
      } else {
        onCreated(result.feature_view);
      }
    } catch (reason) {
      const report = reportFromError(reason);
      const rejected =
        reason instanceof GriffinApiError && reason.errorType === 'validation_failed';
      setError({
        step: 'preview',
        title: rejected
          ? 'Rejected by validation: nothing was written'
          : dryRun
            ? 'The preview failed'
            : 'Could not add the source',
        error: toShownError(reason),
        report
      });
    } finally {
      setBusy(null);
    }
  };

  const toggle = (
    list: string[],
    set: (value: string[]) => void,
    item: string,
    on: boolean
  ): void => {
    set(on ? [...list.filter(x => x !== item), item] : list.filter(x => x !== item));
  };

  const updateRule = (id: number, change: Partial<IRuleDraft>): void => {
    setRules(current => current.map(r => (r.id === id ? { ...r, ...change } : r)));
  };

  return (
    <div className="griffin-add-source" data-griffin-view="add-source">
      <BackToList onClick={onCancel} />
      <h3 className="griffin-detail-title" tabIndex={-1} ref={heading}>
        Add a feature source
      </h3>
      <p className="griffin-muted griffin-intro">
        A parquet or CSV file becomes a feature view. Its rows are checked by
        your rules before anything is written.
      </p>

      <form
        className="griffin-form-step"
        aria-labelledby="griffin-source-step1"
        onSubmit={event => {
          event.preventDefault();
          void inspect(path);
        }}
      >
        <h4 className="griffin-step" id="griffin-source-step1">
          <span className="griffin-step-number">1</span> Data file
        </h4>
        <div className="griffin-field">
          <label htmlFor="griffin-source-path">Path on the server</label>
          <div className="griffin-inline">
            <input
              id="griffin-source-path"
              className="griffin-input"
              type="text"
              value={path}
              placeholder="data/visits.parquet"
              spellCheck={false}
              autoComplete="off"
              aria-describedby="griffin-source-path-hint"
              data-griffin-input="source-path"
              onChange={event => setPath(event.target.value)}
            />
            <button
              type="submit"
              className="griffin-button griffin-button-primary"
              data-griffin-action="inspect"
              disabled={!path.trim() || busy !== null}
            >
              {busy === 'inspect' ? 'Reading…' : 'Inspect'}
            </button>
          </div>
          <div className="griffin-hint" id="griffin-source-path-hint">
            Parquet or CSV. Relative paths start at the Jupyter root folder.
          </div>
        </div>
        <div className="griffin-field griffin-upload">
          <span className="griffin-muted">or</span>
          <label
            className={`griffin-button griffin-file-button${
              busy !== null ? ' griffin-mod-disabled' : ''
            }`}
          >
            {busy === 'upload' ? 'Uploading…' : 'Upload a file…'}
            <input
              ref={fileInput}
              type="file"
              className="griffin-sr-only"
              accept=".csv,.parquet,.pq,.tsv"
              disabled={busy !== null}
              data-griffin-input="source-file"
              onChange={event => {
                const file = event.target.files?.[0];
                if (file) {
                  void upload(file);
                }
              }}
            />
          </label>
          {uploaded ? (
            <span className="griffin-hint" role="status">
              Uploaded as <code>{uploaded}</code>
            </span>
          ) : null}
        </div>
      </form>

      {error?.step === 'source' ? <FormError error={error} /> : null}

      {schema ? (
        <>
          <section
            className="griffin-form-step"
            aria-labelledby="griffin-source-step2"
            data-griffin-step="columns"
          >
            <h4 className="griffin-step" id="griffin-source-step2">
              <span className="griffin-step-number">2</span> Columns and settings
            </h4>
            <p className="griffin-muted">
              <code title={schema.path}>{schema.path.split('/').pop()}</code>:{' '}
              {schema.rows.toLocaleString()} rows, {columns.length} columns.
            </p>
            <ColumnsTable
              columns={columns}
              entities={entities}
              timestamp={timestamp}
              excluded={excluded}
              onEntity={(column, on) => {
                toggle(entities, setEntities, column, on);
                if (on && timestamp === column) {
                  setTimestamp('');
                }
              }}
              onTimestamp={column => {
                setTimestamp(column);
                setEntities(entities.filter(e => e !== column));
              }}
              onFeature={(column, on) => toggle(excluded, setExcluded, column, !on)}
            />
            <div className="griffin-form-grid">
              <TextField
                id="griffin-source-name"
                label="Name"
                value={name}
                onChange={setName}
                required
                input="source-name"
                hint="The feature view's name."
              />
              <TextField
                id="griffin-source-owner"
                label="Owner"
                value={owner}
                onChange={setOwner}
                required
                input="source-owner"
                placeholder="team or email"
              />
              <TextField
                id="griffin-source-ttl"
                label="TTL"
                value={ttl}
                onChange={setTtl}
                input="source-ttl"
                hint="How long a value stays valid: 90d, 12h…"
              />
              <div className="griffin-field griffin-checkbox-field">
                <label>
                  <input
                    type="checkbox"
                    checked={online}
                    data-griffin-input="source-online"
                    onChange={event => setOnline(event.target.checked)}
                  />{' '}
                  Online (serve low-latency reads)
                </label>
              </div>
            </div>
            <div className="griffin-field">
              <label htmlFor="griffin-source-description">Description</label>
              <textarea
                id="griffin-source-description"
                className="griffin-input"
                rows={2}
                value={description}
                data-griffin-input="source-description"
                onChange={event => setDescription(event.target.value)}
              />
            </div>
            <div className="griffin-field">
              <label htmlFor="griffin-source-tags">Tags</label>
              <textarea
                id="griffin-source-tags"
                className="griffin-input griffin-code-input"
                rows={2}
                value={tagsText}
                placeholder={'domain=retail\npii=false'}
                aria-describedby="griffin-source-tags-hint"
                data-griffin-input="source-tags"
                onChange={event => setTagsText(event.target.value)}
              />
              <div className="griffin-hint" id="griffin-source-tags-hint">
                One key=value per line.
              </div>
            </div>

            <fieldset className="griffin-rules">
              <legend>Validation rules</legend>
              {rules.length === 0 ? (
                <p className="griffin-muted">
                  No rules: every row is accepted. Add rules to reject bad data.
                </p>
              ) : null}
              {rules.map((draft, i) => (
                <RuleEditor
                  key={draft.id}
                  index={i}
                  draft={draft}
                  columns={columns}
                  onChange={change => {
                    // A freshness rule is about the event timestamp, by default.
                    if (change.kind === 'freshness' && timestamp) {
                      change = { ...change, column: timestamp };
                    }
                    updateRule(draft.id, change);
                  }}
                  onRemove={() =>
                    setRules(current => current.filter(r => r.id !== draft.id))
                  }
                />
              ))}
              <button
                type="button"
                className="griffin-button"
                data-griffin-action="add-rule"
                onClick={() =>
                  setRules(current => [...current, newRule(schema, entities, timestamp)])
                }
              >
                Add a rule
              </button>
            </fieldset>
          </section>

          <section
            className="griffin-form-step"
            aria-labelledby="griffin-source-step3"
            data-griffin-step="preview"
          >
            <h4 className="griffin-step" id="griffin-source-step3">
              <span className="griffin-step-number">3</span> Preview and apply
            </h4>
            {problems.length > 0 ? (
              <ul className="griffin-problems" aria-label="To fix before a preview">
                {problems.map(problem => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
            ) : null}
            <div className="griffin-actions">
              <button
                type="button"
                className="griffin-button"
                data-griffin-action="preview"
                disabled={problems.length > 0 || busy !== null}
                onClick={() => void run(true)}
              >
                {busy === 'preview' ? 'Checking…' : 'Preview'}
              </button>
              <button
                type="button"
                className="griffin-button griffin-button-primary"
                data-griffin-action="apply"
                disabled={currentPreview === null || busy !== null}
                title={
                  currentPreview === null
                    ? 'Preview the current settings first'
                    : 'Write the definition, apply it to Feast and load the data'
                }
                onClick={() => void run(false)}
              >
                {busy === 'apply' ? 'Applying…' : 'Apply'}
              </button>
            </div>
            {error?.step === 'preview' ? <FormError error={error} /> : null}
            {preview && !currentPreview ? (
              <p className="griffin-hint">
                The settings changed since the last preview: preview again.
              </p>
            ) : null}
            {currentPreview ? <PreviewView result={currentPreview} /> : null}
          </section>
        </>
      ) : null}
    </div>
  );
}

function TextField(props: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  input: string;
  required?: boolean;
  placeholder?: string;
  hint?: string;
}): JSX.Element {
  const { id, label, value, onChange, input, required, placeholder, hint } = props;
  return (
    <div className="griffin-field">
      <label htmlFor={id}>
        {label}
        {required ? (
          <span className="griffin-required" aria-hidden="true">
            {' '}
            *
          </span>
        ) : null}
      </label>
      <input
        id={id}
        className="griffin-input"
        type="text"
        value={value}
        required={required}
        placeholder={placeholder}
        spellCheck={false}
        autoComplete="off"
        aria-describedby={hint ? `${id}-hint` : undefined}
        data-griffin-input={input}
        onChange={event => onChange(event.target.value)}
      />
      {hint ? (
        <div className="griffin-hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
    </div>
  );
}

function ColumnsTable(props: {
  columns: ReadonlyArray<InferredColumn>;
  entities: string[];
  timestamp: string;
  excluded: string[];
  onEntity: (column: string, on: boolean) => void;
  onTimestamp: (column: string) => void;
  onFeature: (column: string, on: boolean) => void;
}): JSX.Element {
  const { columns, entities, timestamp, excluded } = props;
  return (
    <div className="griffin-table-wrap">
      <table className="griffin-table griffin-columns-table">
        <caption className="griffin-sr-only">
          Inferred columns: choose entity keys, the event timestamp and the
          features
        </caption>
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col" className="griffin-center" title="Entity key">
              Key
            </th>
            <th scope="col" className="griffin-center" title="Event timestamp">
              Time
            </th>
            <th scope="col" className="griffin-center">
              Feature
            </th>
          </tr>
        </thead>
        <tbody>
          {columns.map(column => {
            const isEntity = entities.includes(column.name);
            const isTime = timestamp === column.name;
            const isFeature = !isEntity && !isTime && !excluded.includes(column.name);
            return (
              <tr key={column.name} data-griffin-column={column.name}>
                <th scope="row" className="griffin-column-name">
                  <code>{column.name}</code>
                  <span className="griffin-column-meta">
                    {column.dtype}
                    {column.nulls ? ` · ${column.nulls.toLocaleString()} null` : ''}
                    {column.example !== null && column.example !== undefined
                      ? ` · e.g. ${formatValue(column.example)}`
                      : ''}
                  </span>
                </th>
                <td className="griffin-center">
                  <input
                    type="checkbox"
                    checked={isEntity}
                    aria-label={`${column.name} is an entity key`}
                    data-griffin-entity={column.name}
                    onChange={event => props.onEntity(column.name, event.target.checked)}
                  />
                </td>
                <td className="griffin-center">
                  <input
                    type="radio"
                    name="griffin-source-timestamp"
                    checked={isTime}
                    aria-label={`${column.name} is the event timestamp`}
                    data-griffin-timestamp={column.name}
                    onChange={() => props.onTimestamp(column.name)}
                  />
                </td>
                <td className="griffin-center">
                  <input
                    type="checkbox"
                    checked={isFeature}
                    disabled={isEntity || isTime}
                    aria-label={`${column.name} is a feature`}
                    data-griffin-feature={column.name}
                    onChange={event => props.onFeature(column.name, event.target.checked)}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function RuleEditor(props: {
  index: number;
  draft: IRuleDraft;
  columns: ReadonlyArray<InferredColumn>;
  onChange: (change: Partial<IRuleDraft>) => void;
  onRemove: () => void;
}): JSX.Element {
  const { index, draft, columns, onChange, onRemove } = props;
  const id = `griffin-rule-${draft.id}`;
  const built = toRule(draft, columns, index);
  return (
    <fieldset className="griffin-rule" data-griffin-rule={index}>
      <legend className="griffin-sr-only">Rule {index + 1}</legend>
      <div className="griffin-rule-fields">
        <div className="griffin-field">
          <label htmlFor={`${id}-kind`}>Rule</label>
          <select
            id={`${id}-kind`}
            className="griffin-input"
            value={draft.kind}
            data-griffin-input="rule-kind"
            onChange={event => onChange({ kind: event.target.value as RuleKind })}
          >
            {RULE_KINDS.map(kind => (
              <option key={kind.kind} value={kind.kind}>
                {kind.label}
              </option>
            ))}
          </select>
        </div>
        {draft.kind !== 'unique' ? (
          <div className="griffin-field">
            <label htmlFor={`${id}-column`}>Column</label>
            <select
              id={`${id}-column`}
              className="griffin-input"
              value={draft.column}
              data-griffin-input="rule-column"
              onChange={event => onChange({ column: event.target.value })}
            >
              {columns.map(column => (
                <option key={column.name} value={column.name}>
                  {column.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {draft.kind === 'range' ? (
          <>
            <div className="griffin-field griffin-field-small">
              <label htmlFor={`${id}-min`}>Min</label>
              <input
                id={`${id}-min`}
                className="griffin-input"
                type="number"
                step="any"
                value={draft.min}
                data-griffin-input="rule-min"
                onChange={event => onChange({ min: event.target.value })}
              />
            </div>
            <div className="griffin-field griffin-field-small">
              <label htmlFor={`${id}-max`}>Max</label>
              <input
                id={`${id}-max`}
                className="griffin-input"
                type="number"
                step="any"
                value={draft.max}
                data-griffin-input="rule-max"
                onChange={event => onChange({ max: event.target.value })}
              />
            </div>
          </>
        ) : null}
        {draft.kind === 'allowed_values' ? (
          <div className="griffin-field griffin-field-wide">
            <label htmlFor={`${id}-values`}>Values (comma-separated)</label>
            <input
              id={`${id}-values`}
              className="griffin-input"
              type="text"
              value={draft.values}
              placeholder="a, b, c"
              data-griffin-input="rule-values"
              onChange={event => onChange({ values: event.target.value })}
            />
          </div>
        ) : null}
        {draft.kind === 'dtype' ? (
          <div className="griffin-field">
            <label htmlFor={`${id}-dtype`}>Type</label>
            <select
              id={`${id}-dtype`}
              className="griffin-input"
              value={draft.dtype}
              data-griffin-input="rule-dtype"
              onChange={event => onChange({ dtype: event.target.value as DType })}
            >
              {DTYPES.map(dtype => (
                <option key={dtype} value={dtype}>
                  {dtype}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {draft.kind === 'freshness' ? (
          <div className="griffin-field griffin-field-small">
            <label htmlFor={`${id}-age`}>Max age</label>
            <input
              id={`${id}-age`}
              className="griffin-input"
              type="text"
              value={draft.maxAge}
              placeholder="2d"
              data-griffin-input="rule-max-age"
              onChange={event => onChange({ maxAge: event.target.value })}
            />
          </div>
        ) : null}
        <button
          type="button"
          className="griffin-icon-button griffin-rule-remove"
          aria-label={`Remove rule ${index + 1}`}
          title="Remove this rule"
          data-griffin-action="remove-rule"
          onClick={onRemove}
        >
          ×
        </button>
      </div>
      {draft.kind === 'unique' ? (
        <div className="griffin-field">
          <span className="griffin-field-label" id={`${id}-columns`}>
            Columns that are unique together
          </span>
          <div className="griffin-checks" role="group" aria-labelledby={`${id}-columns`}>
            {columns.map(column => (
              <label key={column.name}>
                <input
                  type="checkbox"
                  checked={draft.columns.includes(column.name)}
                  onChange={event =>
                    onChange({
                      columns: event.target.checked
                        ? [...draft.columns, column.name]
                        : draft.columns.filter(c => c !== column.name)
                    })
                  }
                />{' '}
                {column.name}
              </label>
            ))}
          </div>
        </div>
      ) : null}
      <div className="griffin-rule-summary">
        {isProblem(built) ? (
          <span className="griffin-hint">{built.message}</span>
        ) : (
          <code>{formatRule(built as unknown as Record<string, unknown>)}</code>
        )}
      </div>
    </fieldset>
  );
}

const CHANGE_ORDER = ['create', 'update', 'delete'];

function PreviewView(props: { result: AddSourceResult }): JSX.Element {
  const { result } = props;
  const changes = result.plan.filter(item => item.change !== 'unchanged');
  changes.sort(
    (a, b) =>
      (a.name === result.feature_view ? -1 : 0) -
        (b.name === result.feature_view ? -1 : 0) ||
      CHANGE_ORDER.indexOf(a.change) - CHANGE_ORDER.indexOf(b.change)
  );
  const unchanged = result.plan.length - changes.length;
  return (
    <div className="griffin-preview" data-griffin-preview={result.feature_view}>
      <h5 className="griffin-minor-title">Validation</h5>
      <ReportView report={result.validation} />
      {!result.validation.passed ? (
        <p className="griffin-hint griffin-hint-warn">
          Apply would be rejected: fix the data or the rules first.
        </p>
      ) : null}
      <h5 className="griffin-minor-title">Plan</h5>
      {changes.length === 0 ? (
        <p className="griffin-muted">Nothing would change.</p>
      ) : (
        <ul className="griffin-plan" aria-label="Planned changes">
          {changes.map((item, i) => (
            <li
              key={`${item.object_type}:${item.name}:${i}`}
              data-plan-change={item.change}
            >
              <span className={`griffin-change griffin-change-${item.change}`}>
                {item.change}
              </span>{' '}
              <code>{item.name}</code>{' '}
              <span className="griffin-muted">{item.object_type}</span>
            </li>
          ))}
        </ul>
      )}
      {unchanged > 0 ? (
        <p className="griffin-hint">
          {unchanged} other object{unchanged === 1 ? '' : 's'} unchanged.
        </p>
      ) : null}
      {result.schema?.length ? (
        <>
          <h5 className="griffin-minor-title">Features</h5>
          <p className="griffin-muted">
            {result.schema.map(f => `${f.name} (${f.dtype})`).join(', ')}
          </p>
        </>
      ) : null}
      <h5 className="griffin-minor-title">
        Definition <code className="griffin-muted">{result.definition_file}</code>
      </h5>
      <pre className="griffin-code" data-griffin-definition="">
        {result.definition}
      </pre>
    </div>
  );
}
