// Markdown-style tables for the chaos report (pipes, a header rule, padded columns).

/** @param {string} s */
const cell = (s) => String(s).replace(/\|/g, '\\|');

/**
 * @param {string[]} head
 * @param {string[][]} body
 */
export function renderTable(head, body) {
  const rows = [head, ...body].map((r) => r.map(cell));
  const widths = head.map((_, i) => Math.max(3, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (/** @type {string[]} */ r) => `| ${r.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.slice(1).map(line)].join('\n');
}

/** A two-column table. @param {[string, string][]} rows */
export function renderKeyValue(rows) {
  return renderTable(
    ['what', 'value'],
    rows.map(([k, v]) => [k, v]),
  );
}
