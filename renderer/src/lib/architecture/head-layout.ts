import { groupColour, type Box } from './diagram-shapes';

export interface HeadLayout {
  boxes: Box[];
  height: number;
  /** Query heads drawn (all of them unless there are more than MAX_HEADS). */
  drawn: number;
}

const MAX_HEADS = 128;

/**
 * Query heads grouped under the K/V head they share: one cluster per KV head, its K/V box on top
 * (solid) and its query heads under it (same colour, lighter). Clusters wrap onto more rows when
 * the heads would get narrower than a few pixels.
 */
export function headLayout(heads: number, kvHeads: number, x0: number, width: number, y0: number): HeadLayout {
  const group = Math.max(1, Math.round(heads / Math.max(1, kvHeads)));
  const clusters = Math.min(Math.max(1, kvHeads), Math.ceil(MAX_HEADS / group));
  const gapQ = 2;
  const gapCluster = 6;
  const minQ = 6;
  const minCluster = group * minQ + (group - 1) * gapQ;
  const perRow = Math.max(1, Math.min(clusters, Math.floor((width + gapCluster) / (minCluster + gapCluster))));
  const rows = Math.ceil(clusters / perRow);
  const clusterWidth = (width - (perRow - 1) * gapCluster) / perRow;
  const qWidth = (clusterWidth - (group - 1) * gapQ) / group;
  const kvHeight = 12;
  const qHeight = 14;
  const rowHeight = kvHeight + 3 + qHeight + 8;
  const boxes: Box[] = [];
  let drawn = 0;
  for (let c = 0; c < clusters; c++) {
    const row = Math.floor(c / perRow);
    const col = c % perRow;
    const x = x0 + col * (clusterWidth + gapCluster);
    const y = y0 + row * rowHeight;
    const colour = groupColour(c);
    const first = c * group;
    const members = `query heads ${first}–${first + group - 1}`;
    boxes.push({
      id: `kv-${c}`,
      x,
      y,
      w: clusterWidth,
      h: kvHeight,
      tone: 'head',
      colour,
      label: clusterWidth >= 34 ? `KV ${c}` : '',
      title: group === 1 ? `KV head ${c}: used by query head ${first} alone` : `KV head ${c}: its keys and values are shared by ${members}`,
    });
    for (let q = 0; q < group; q++) {
      const index = first + q;
      drawn++;
      boxes.push({
        id: `q-${index}`,
        x: x + q * (qWidth + gapQ),
        y: y + kvHeight + 3,
        w: qWidth,
        h: qHeight,
        tone: 'head',
        colour,
        faint: true,
        label: qWidth >= 16 ? `q${index}` : '',
        title: `Query head ${index}: uses KV head ${c}`,
      });
    }
  }
  return { boxes, height: rows * rowHeight - 8, drawn };
}
