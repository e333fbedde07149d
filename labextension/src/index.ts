/**
 * Griffin Lab: JupyterLab frontend plugin.
 *
 * Adds the Griffin sidebar (left area) and two commands to the palette.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { griffinIcon } from './icons';
import { StatusModel } from './model';
import { addNotebookHooks, INSERT_CELL_COMMAND } from './notebook';
import { GriffinSidebar, SIDEBAR_ID, TABS, TabId } from './panel';

const PLUGIN_ID = 'griffin-lab:plugin';
const PALETTE_CATEGORY = 'Griffin Lab';
const DEFAULT_REFRESH_SECONDS = 30;

export namespace CommandIDs {
  export const open = 'griffin:open';
  export const refreshStatus = 'griffin:refresh-status';
  export const insertCell = INSERT_CELL_COMMAND;
}

function isTabId(value: unknown): value is TabId {
  return typeof value === 'string' && TABS.some(tab => tab.id === value);
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Griffin Lab sidebar: platform status, features, training, models and deployments.',
  autoStart: true,
  optional: [ICommandPalette, ISettingRegistry, ILayoutRestorer, INotebookTracker],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null,
    notebooks: INotebookTracker | null
  ) => {
    const { commands, shell } = app;

    let sidebar: GriffinSidebar | null = null;
    const model = new StatusModel({
      isVisible: () => sidebar?.isVisible ?? false
    });
    model.refreshIntervalSeconds = DEFAULT_REFRESH_SECONDS;

    sidebar = new GriffinSidebar({ model });
    const panel = sidebar;
    shell.add(panel, 'left', { rank: 200 });
    if (restorer) {
      restorer.add(panel, SIDEBAR_ID);
    }

    commands.addCommand(CommandIDs.open, {
      label: 'Open Griffin Lab panel',
      caption: 'Show the Griffin Lab sidebar',
      icon: args => (args.isPalette ? undefined : griffinIcon),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            tab: {
              type: 'string',
              enum: TABS.map(tab => tab.id),
              description: 'The tab to select'
            },
            featureView: {
              type: 'string',
              description: 'A feature view to show (selects the Features tab)'
            }
          }
        }
      },
      execute: args => {
        if (typeof args.featureView === 'string' && args.featureView) {
          panel.features.openView(args.featureView);
          panel.selectTab('features');
        } else if (isTabId(args.tab)) {
          panel.selectTab(args.tab);
        }
        shell.activateById(panel.id);
      }
    });

    addNotebookHooks(app, notebooks);

    commands.addCommand(CommandIDs.refreshStatus, {
      label: 'Refresh Griffin status',
      caption: 'Check Griffin Lab and its engines again',
      execute: () => {
        panel.selectTab('status');
        shell.activateById(panel.id);
        return model.refresh();
      }
    });

    if (palette) {
      palette.addItem({ command: CommandIDs.open, category: PALETTE_CATEGORY });
      palette.addItem({
        command: CommandIDs.refreshStatus,
        category: PALETTE_CATEGORY
      });
    }

    let openOnStart = true;
    const loaded = settingRegistry
      ? settingRegistry
          .load(PLUGIN_ID)
          .then(settings => {
            const apply = (current: ISettingRegistry.ISettings): void => {
              const value = current.get('refreshIntervalSeconds').composite;
              model.refreshIntervalSeconds =
                typeof value === 'number' ? value : DEFAULT_REFRESH_SECONDS;
            };
            apply(settings);
            settings.changed.connect(apply);
            openOnStart = settings.get('openOnStart').composite !== false;
          })
          .catch(reason => {
            console.error('Griffin Lab: failed to load settings.', reason);
          })
      : Promise.resolve();

    // Show the sidebar once the restored layout is in place (setting: openOnStart).
    void Promise.all([app.restored, loaded]).then(() => {
      if (openOnStart) {
        shell.activateById(panel.id);
      }
    });
  }
};

export default plugin;
