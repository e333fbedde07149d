import { LabIcon } from '@jupyterlab/ui-components';

import griffinSvgstr from '../style/icons/griffin.svg';

/** The Griffin Lab glyph; its `jp-icon3` fill follows the current theme. */
export const griffinIcon = new LabIcon({
  name: 'griffin-lab:griffin',
  svgstr: griffinSvgstr
});
