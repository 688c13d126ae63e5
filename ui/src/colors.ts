/**
 * One colour per headstage, used by every view (console criterion 1). Chosen to stay apart on the
 * dark background and for the common colour-vision deficiencies as far as eight hues allow.
 */
export const HEADSTAGE_COLORS = ['#4fc3f7', '#ffb74d', '#81c784', '#f06292', '#b39ddb', '#fff176', '#4db6ac', '#ff8a65'] as const;

export function headstageColor(hs: number): string {
  return HEADSTAGE_COLORS[((hs % HEADSTAGE_COLORS.length) + HEADSTAGE_COLORS.length) % HEADSTAGE_COLORS.length] as string;
}
