import {
  decomposeColor,
  getContrastRatio,
  recomposeColor,
} from '@material-ui/core/styles';

/** `color` as seen over `background`: its alpha blended away. */
export function over(color: string, background: string): string {
  const fg = decomposeColor(color);
  const bg = decomposeColor(background);
  const a = fg.values[3] ?? 1;
  return recomposeColor({
    type: 'rgb',
    values: [0, 1, 2].map(i =>
      Math.round(fg.values[i] * a + bg.values[i] * (1 - a)),
    ) as [number, number, number],
  });
}

const specificity = (selector: string) =>
  (selector.match(/#[\w-]+/g)?.length ?? 0) * 10_000 +
  (selector.match(/\.[\w-]+|\[[^\]]+\]|:(?!:)[\w-]+/g)?.length ?? 0) * 100 +
  (selector.match(/(^|[\s>+~])[a-z][\w-]*/gi)?.length ?? 0);

/**
 * The value of `property` the style sheets give `element`, by specificity
 * and then order, as a browser cascades them: jsdom's getComputedStyle
 * ignores specificity, and orders sheets as they were added rather than as
 * they stand in the document (JSS inserts Material UI's before the app's).
 */
export function cascaded(element: Element, property: string): string {
  let best: { rank: number; order: number; value: string } | undefined;
  let order = 0;
  const sheets = Array.from(document.querySelectorAll('style'))
    .map(style => style.sheet)
    .filter(Boolean) as CSSStyleSheet[];
  for (const sheet of sheets) {
    for (const rule of Array.from(sheet.cssRules)) {
      order += 1;
      if (!(rule instanceof CSSStyleRule)) continue;
      const value = rule.style.getPropertyValue(property);
      if (!value) continue;
      for (const selector of rule.selectorText.split(',')) {
        let matches = false;
        try {
          matches = element.matches(selector);
        } catch {
          matches = false;
        }
        const rank = specificity(selector.trim());
        if (
          matches &&
          (!best ||
            rank > best.rank ||
            (rank === best.rank && order >= best.order))
        ) {
          best = { rank, order, value };
        }
      }
    }
  }
  return best?.value ?? '';
}

/** The contrast ratio of an element's text on its background, over `paper`. */
export function textContrast(element: Element, paper: string): number {
  const background = over(
    cascaded(element, 'background-color') || paper,
    paper,
  );
  return getContrastRatio(
    over(cascaded(element, 'color'), background),
    background,
  );
}
