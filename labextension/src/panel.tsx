/**
 * The Griffin Lab left-sidebar panel: a header and five tabs.
 */
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import React from 'react';

import { DeploymentsModel, DeploymentsView } from './deployments';
import { FeaturesModel, FeaturesView } from './features';
import { griffinIcon } from './icons';
import { StatusModel } from './model';
import { ModelsModel, ModelsView } from './models';
import { StatusView } from './status';
import { TrainingModel, TrainingView } from './training';

export const SIDEBAR_ID = 'griffin-sidebar';

export type TabId = 'status' | 'features' | 'training' | 'models' | 'deployments';

interface ITabSpec {
  id: TabId;
  label: string;
  /** What will live in the tab; shown until it is built. */
  placeholder?: { title: string; body: string };
}

export const TABS: ReadonlyArray<ITabSpec> = [
  { id: 'status', label: 'Status' },
  { id: 'features', label: 'Features' },
  { id: 'training', label: 'Training' },
  { id: 'models', label: 'Models' },
  { id: 'deployments', label: 'Deployments' }
];

function tabDomId(id: TabId): string {
  return `griffin-tab-${id}`;
}

function panelDomId(id: TabId): string {
  return `griffin-tabpanel-${id}`;
}

function Placeholder(props: { tab: ITabSpec }): JSX.Element {
  const { tab } = props;
  return (
    <div className="griffin-placeholder" data-griffin-view={tab.id}>
      <div className="griffin-placeholder-title">{tab.placeholder?.title}</div>
      <p className="griffin-placeholder-body">{tab.placeholder?.body}</p>
      <p className="griffin-placeholder-note">Not available yet.</p>
    </div>
  );
}

function TabBar(props: {
  current: TabId;
  onSelect: (id: TabId, focus: boolean) => void;
}): JSX.Element {
  const { current, onSelect } = props;
  const onKeyDown = (event: React.KeyboardEvent<HTMLDivElement>): void => {
    const index = TABS.findIndex(t => t.id === current);
    let next = -1;
    switch (event.key) {
      case 'ArrowRight':
      case 'ArrowDown':
        next = (index + 1) % TABS.length;
        break;
      case 'ArrowLeft':
      case 'ArrowUp':
        next = (index - 1 + TABS.length) % TABS.length;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = TABS.length - 1;
        break;
      default:
        return;
    }
    event.preventDefault();
    onSelect(TABS[next].id, true);
  };
  return (
    <div
      className="griffin-tabs"
      role="tablist"
      aria-label="Griffin Lab sections"
      onKeyDown={onKeyDown}
    >
      {TABS.map(tab => {
        const selected = tab.id === current;
        return (
          <button
            key={tab.id}
            type="button"
            id={tabDomId(tab.id)}
            role="tab"
            className={`griffin-tab${selected ? ' griffin-mod-selected' : ''}`}
            aria-selected={selected}
            aria-controls={panelDomId(tab.id)}
            tabIndex={selected ? 0 : -1}
            data-griffin-tab={tab.id}
            onClick={() => onSelect(tab.id, false)}
          >
            {tab.label}
          </button>
        );
      })}
    </div>
  );
}

/** The sidebar widget. The selected tab lives here so commands can set it. */
export class GriffinSidebar extends ReactWidget {
  constructor(options: GriffinSidebar.IOptions) {
    super();
    this.model = options.model;
    this.features = options.features ?? new FeaturesModel();
    this.training =
      options.training ??
      new TrainingModel({
        refreshSeconds: () => this.model.refreshIntervalSeconds,
        isVisible: () => this.isVisible
      });
    this.models =
      options.models ??
      new ModelsModel({
        openJob: id => {
          this.training.openJob(id);
          this.selectTab('training');
        },
        openFeatureView: name => {
          this.features.openView(name);
          this.selectTab('features');
        }
      });
    this.deployments =
      options.deployments ??
      new DeploymentsModel({
        refreshSeconds: () => this.model.refreshIntervalSeconds,
        isVisible: () => this.isVisible,
        openModel: name => {
          this.models.openModel(name);
          this.selectTab('models');
        }
      });
    this.id = SIDEBAR_ID;
    this.addClass('griffin-sidebar');
    this.title.icon = griffinIcon;
    this.title.caption = 'Griffin Lab';
    this.title.label = '';
  }

  readonly model: StatusModel;
  /** Where the Features tab is; survives switching tabs. */
  readonly features: FeaturesModel;
  /** Where the Training tab is; survives switching tabs. */
  readonly training: TrainingModel;
  /** Where the Models tab is; survives switching tabs. */
  readonly models: ModelsModel;
  /** Where the Deployments tab is; survives switching tabs. */
  readonly deployments: DeploymentsModel;

  get currentTab(): TabId {
    return this._tab;
  }

  get tabChanged(): ISignal<this, TabId> {
    return this._tabChanged;
  }

  selectTab(id: TabId, focus = false): void {
    if (id !== this._tab) {
      this._tab = id;
      this._tabChanged.emit(id);
      if (id === 'status' && this.isVisible) {
        void this.model.refresh();
      }
    }
    if (focus) {
      requestAnimationFrame(() => {
        const button = this.node.querySelector<HTMLElement>(`#${tabDomId(id)}`);
        button?.focus();
      });
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    Signal.clearData(this);
    super.dispose();
  }

  /** Fetch a fresh status whenever the panel is shown on the status tab. */
  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (this._tab === 'status') {
      void this.model.refresh();
    }
  }

  protected render(): JSX.Element {
    return (
      <div className="griffin-panel">
        <header className="griffin-header">
          <griffinIcon.react
            className="griffin-header-icon"
            tag="span"
            width="24px"
            height="24px"
          />
          <div className="griffin-header-text">
            <h2 className="griffin-header-title">Griffin Lab</h2>
            <div className="griffin-header-subtitle">
              Notebook-first ML platform
            </div>
          </div>
        </header>
        <UseSignal signal={this._tabChanged} initialArgs={this._tab}>
          {(_, current) => {
            const tab = TABS.find(t => t.id === (current ?? this._tab)) ?? TABS[0];
            return (
              <>
                <TabBar
                  current={tab.id}
                  onSelect={(id, focus) => this.selectTab(id, focus)}
                />
                <div
                  className="griffin-tabpanel"
                  role="tabpanel"
                  id={panelDomId(tab.id)}
                  aria-labelledby={tabDomId(tab.id)}
                >
                  {tab.id === 'status' ? (
                    <StatusView model={this.model} />
                  ) : tab.id === 'features' ? (
                    <FeaturesView model={this.features} />
                  ) : tab.id === 'training' ? (
                    <TrainingView model={this.training} />
                  ) : tab.id === 'models' ? (
                    <ModelsView model={this.models} />
                  ) : tab.id === 'deployments' ? (
                    <DeploymentsView model={this.deployments} />
                  ) : (
                    <Placeholder tab={tab} />
                  )}
                </div>
              </>
            );
          }}
        </UseSignal>
      </div>
    );
  }

  private _tab: TabId = 'status';
  private _tabChanged = new Signal<this, TabId>(this);
}

export namespace GriffinSidebar {
  export interface IOptions {
    model: StatusModel;
    features?: FeaturesModel;
    training?: TrainingModel;
    models?: ModelsModel;
    deployments?: DeploymentsModel;
  }
}
