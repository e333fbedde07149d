/**
 * The form that launches another version of an endpoint's model: version,
 * approval, shadow and watch seconds, reason; `POST launches`.
 */
import React from 'react';

import { EndpointDetail, fetchModel, ModelDetail, startLaunch } from './api';
import { ErrorBox, IShownError, Loading, toShownError, useRequest } from './common';
import { tierName, TierBadge } from './models-common';

type Approval = '' | 'yes' | 'no';

export function LaunchForm(props: {
  endpoint: EndpointDetail;
  onClose: () => void;
  onStarted: (id: number) => void;
}): JSX.Element {
  const { endpoint, onClose, onStarted } = props;
  const info = useRequest<ModelDetail>(() => fetchModel(endpoint.model), endpoint.model);
  const choices = React.useMemo(
    () =>
      [...(info.data?.versions ?? [])]
        .filter(v => v.version !== endpoint.primary_version)
        .sort((a, b) => b.version - a.version),
    [info.data, endpoint.primary_version]
  );
  const [version, setVersion] = React.useState<number | null>(null);
  const [shadow, setShadow] = React.useState('5');
  const [watch, setWatch] = React.useState('10');
  const [approval, setApproval] = React.useState<Approval>('');
  const [reason, setReason] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<IShownError | null>(null);
  const chosen = version ?? choices[0]?.version ?? null;
  const tier = info.data?.tier ?? null;

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    if (chosen === null) {
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const launch = await startLaunch({
        model: endpoint.model,
        version: chosen,
        endpoint: endpoint.name,
        shadow_s: Number(shadow),
        watch_s: Number(watch),
        require_approval: approval === '' ? null : approval === 'yes',
        reason: reason.trim()
      });
      onStarted(launch.id);
    } catch (reason) {
      setError(toShownError(reason));
      setBusy(false);
    }
  };

  const id = `griffin-launch-${endpoint.name}`;
  return (
    <form
      className="griffin-launch-form"
      data-griffin-view="launch-form"
      onSubmit={event => void submit(event)}
    >
      <div className="griffin-minor-title">
        Launch a version of {endpoint.model} on {endpoint.name}
      </div>
      {info.error ? (
        <ErrorBox title={`Could not load model ${endpoint.model}`} error={info.error} />
      ) : null}
      {info.data === null && !info.error ? <Loading label="Loading versions…" /> : null}
      {info.data !== null && choices.length === 0 ? (
        <p className="griffin-muted" data-launch-no-versions>
          v{endpoint.primary_version} is the only version of {endpoint.model}: register
          another one to launch it.
        </p>
      ) : null}
      {choices.length > 0 ? (
        <>
          <div className="griffin-form-grid griffin-launch-fields">
            <div className="griffin-field">
              <label htmlFor={`${id}-version`}>Version</label>
              <select
                id={`${id}-version`}
                className="griffin-input griffin-select"
                value={chosen ?? ''}
                data-griffin-input="launch-version"
                onChange={event => setVersion(Number(event.target.value))}
              >
                {choices.map(v => (
                  <option key={v.version} value={v.version}>
                    v{v.version}
                    {v.version === info.data?.latest_version ? ' (latest)' : ''}
                  </option>
                ))}
              </select>
            </div>
            <div className="griffin-field">
              <label htmlFor={`${id}-approval`}>Approval</label>
              <select
                id={`${id}-approval`}
                className="griffin-input griffin-select"
                value={approval}
                data-griffin-input="launch-approval"
                onChange={event => setApproval(event.target.value as Approval)}
              >
                <option value="">
                  {tier === null
                    ? 'as the tier says'
                    : `as T${tier} says (${tier === 0 ? 'a person' : 'automatic'})`}
                </option>
                <option value="yes">a person approves</option>
                <option value="no">automatic once gates pass</option>
              </select>
            </div>
            <SecondsField
              id={`${id}-shadow`}
              label="Shadow seconds"
              name="launch-shadow-s"
              value={shadow}
              onChange={setShadow}
            />
            <SecondsField
              id={`${id}-watch`}
              label="Watch seconds"
              name="launch-watch-s"
              value={watch}
              onChange={setWatch}
            />
          </div>
          <div className="griffin-field">
            <label htmlFor={`${id}-reason`}>Reason</label>
            <input
              id={`${id}-reason`}
              className="griffin-input"
              type="text"
              value={reason}
              placeholder="why this version (kept with the alias moves)"
              autoComplete="off"
              data-griffin-input="launch-reason"
              onChange={event => setReason(event.target.value)}
            />
          </div>
          <p className="griffin-hint">
            v{chosen} is served on a staging copy and replayed recorded traffic;
            {tier !== null ? ` tier ${tier} (${tierName(tier)}) gates decide` : ' the gates decide'}{' '}
            whether it shadows production for the shadow seconds, then takes the
            traffic and is watched; a regression rolls back to v
            {endpoint.primary_version}.
          </p>
        </>
      ) : null}
      {error ? <ErrorBox title="The launch did not start" error={error} /> : null}
      <div className="griffin-actions">
        <button
          type="submit"
          className="griffin-button griffin-button-primary"
          data-griffin-action="submit-launch"
          disabled={busy || chosen === null}
        >
          {busy ? 'Starting…' : chosen !== null ? `Launch v${chosen}` : 'Launch'}
        </button>
        <button
          type="button"
          className="griffin-button"
          data-griffin-action="close-launch"
          onClick={onClose}
        >
          Cancel
        </button>
        {tier !== null ? <TierBadge tier={tier} /> : null}
      </div>
    </form>
  );
}

/** A number of seconds (0 to an hour) for one of the launch's windows. */
function SecondsField(props: {
  id: string;
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
}): JSX.Element {
  const { id, label, name, value, onChange } = props;
  return (
    <div className="griffin-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="griffin-input"
        type="number"
        min={0}
        max={3600}
        step="any"
        required
        value={value}
        data-griffin-input={name}
        onChange={event => onChange(event.target.value)}
      />
    </div>
  );
}
