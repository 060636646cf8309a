// HTML built as strings with every interpolated value escaped: the `html`
// tag escapes what it is given unless it is already markup (a Markup made by
// `html` itself or by `raw` for text this module's callers wrote). One place
// that escapes, so no page can forget to.

/** Markup that is already safe to place in a page. */
export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A value an `html` template may hold: text (escaped), markup, numbers, lists of them; nothing for null/undefined/false. */
export type Part = Markup | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Markup) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

/** The template tag of every page: literal text kept, values escaped. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Markup {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Markup(out);
}

/** Text the project wrote itself (a stylesheet, a constant snippet), taken as markup. */
export function raw(text: string): Markup {
  return new Markup(text);
}

/** Joins parts into one Markup. */
export function join(parts: readonly Part[], separator = ''): Markup {
  return new Markup(parts.map(render).join(separator));
}
