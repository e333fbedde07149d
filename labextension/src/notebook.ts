/**
 * Notebook hooks: the `griffin:insert-cell` command and `window.griffinLab`,
 * through which Griffin's ipywidgets (running in the page) insert code.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';

export const INSERT_CELL_COMMAND = 'griffin:insert-cell';

/** What Griffin Lab exposes to widget front ends on `window.griffinLab`. */
export interface IGriffinLabGlobal {
  /**
   * Insert a code cell holding `code` below the active cell of the current
   * notebook. Rejects when no notebook is open.
   */
  insertCell(code: string): Promise<void>;
}

declare global {
  interface Window {
    griffinLab?: IGriffinLabGlobal;
  }
}

/**
 * Insert a code cell with `code` below the active cell of the tracker's
 * current notebook and make it the active cell.
 */
export function insertCodeCell(
  tracker: INotebookTracker | null,
  code: string
): void {
  const panel = tracker?.currentWidget ?? null;
  if (!panel || !panel.content.model) {
    throw new Error('Griffin Lab: open a notebook to insert a cell into.');
  }
  const notebook = panel.content;
  NotebookActions.insertBelow(notebook);
  if (notebook.activeCell?.model.type !== 'code') {
    // The notebook's default cell type may be markdown or raw.
    NotebookActions.changeCellType(notebook, 'code');
  }
  const cell = notebook.activeCell;
  if (!cell) {
    throw new Error('Griffin Lab: the new cell could not be found.');
  }
  cell.model.sharedModel.setSource(code);
}

/** Add the command and the `window.griffinLab` hook. */
export function addNotebookHooks(
  app: JupyterFrontEnd,
  tracker: INotebookTracker | null
): void {
  app.commands.addCommand(INSERT_CELL_COMMAND, {
    label: 'Insert a code cell below the active cell',
    caption: 'Insert a code cell (used by Griffin Lab widgets)',
    describedBy: {
      args: {
        type: 'object',
        properties: {
          code: {
            type: 'string',
            description: 'The source of the new code cell'
          }
        },
        required: ['code']
      }
    },
    isEnabled: () => !!tracker?.currentWidget,
    execute: args => {
      const code = typeof args.code === 'string' ? args.code : '';
      insertCodeCell(tracker, code);
    }
  });

  const hook: IGriffinLabGlobal = {
    insertCell: async (code: string): Promise<void> => {
      if (typeof code !== 'string') {
        throw new TypeError('griffinLab.insertCell(code) needs a string');
      }
      await app.commands.execute(INSERT_CELL_COMMAND, { code });
    }
  };
  window.griffinLab = hook;
}
