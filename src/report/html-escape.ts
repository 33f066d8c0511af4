// Escaping for the HTML report. Queries and model outputs routinely contain <tags>, quotes and
// "</script>", so every interpolated string goes through one of these.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ENTITIES[c]);

/**
 * JSON safe to embed in <script type="application/json">: "<" is written as \u003c (so no
 * "</script>" or "<!--" can appear), and U+2028/2029 are escaped for old parsers.
 */
export const jsonForScript = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
