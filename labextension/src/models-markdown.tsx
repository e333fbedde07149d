/**
 * A small Markdown renderer for model cards that builds React elements,
 * never HTML strings: raw HTML in the text stays text, and only http(s) and
 * mailto links become links. It covers what cards use: headings,
 * paragraphs, lists, block quotes, fenced code, tables, rules and inline
 * code, emphasis and links.
 */
import React from 'react';

const SAFE_URL = /^(https?:\/\/|mailto:)/i;

type Inline = React.ReactNode;

/** Inline Markdown: `code`, **strong**, *em* / _em_, [text](url), <url>. */
export function renderInline(text: string, keyPrefix = 'i'): Inline[] {
  const out: Inline[] = [];
  const pattern =
    /(`+)([\s\S]*?[^`])\1(?!`)|\*\*([^*]+?)\*\*|__([^_]+?)__|\*([^*\s][^*]*?)\*|\b_([^_\s][^_]*?)_\b|\[([^\]]+)\]\(((?:[^()\s]|\([^()\s]*\))+)(?:\s+"[^"]*")?\)|<((?:https?:\/\/|mailto:)[^>\s]+)>/g;
  let last = 0;
  let n = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    if (match.index > last) {
      out.push(text.slice(last, match.index));
    }
    const key = `${keyPrefix}-${n++}`;
    if (match[2] !== undefined) {
      out.push(<code key={key}>{match[2].trim()}</code>);
    } else if (match[3] !== undefined || match[4] !== undefined) {
      out.push(
        <strong key={key}>{renderInline(match[3] ?? match[4], key)}</strong>
      );
    } else if (match[5] !== undefined || match[6] !== undefined) {
      out.push(<em key={key}>{renderInline(match[5] ?? match[6], key)}</em>);
    } else if (match[7] !== undefined) {
      const url = match[8];
      out.push(
        SAFE_URL.test(url) ? (
          <a key={key} href={url} target="_blank" rel="noopener noreferrer">
            {renderInline(match[7], key)}
          </a>
        ) : (
          <span key={key} title={url}>
            {renderInline(match[7], key)}
          </span>
        )
      );
    } else if (match[9] !== undefined) {
      out.push(
        <a key={key} href={match[9]} target="_blank" rel="noopener noreferrer">
          {match[9]}
        </a>
      );
    }
    last = pattern.lastIndex;
  }
  if (last < text.length) {
    out.push(text.slice(last));
  }
  return out;
}

function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith('|')) {
    row = row.slice(1);
  }
  if (row.endsWith('|')) {
    row = row.slice(0, -1);
  }
  return row.split('|').map(cell => cell.trim());
}

const TABLE_RULE = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;
const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;
const FENCE = /^\s*(```|~~~)\s*([\w+-]*)\s*$/;

/** Block-level Markdown to React elements. */
export function renderMarkdown(source: string): React.ReactNode[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: React.ReactNode[] = [];
  let i = 0;
  let n = 0;
  const key = (): string => `b${n++}`;

  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) {
        body.push(lines[i]);
        i++;
      }
      i++;
      blocks.push(
        <pre key={key()} data-language={fence[2] || undefined}>
          <code>{body.join('\n')}</code>
        </pre>
      );
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      // Card headings sit below the page's own: # becomes h4 and so on.
      const level = Math.min(6, heading[1].length + 3);
      const Tag = `h${level}` as 'h4' | 'h5' | 'h6';
      blocks.push(<Tag key={key()}>{renderInline(heading[2])}</Tag>);
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push(<hr key={key()} />);
      i++;
      continue;
    }
    if (
      line.includes('|') &&
      i + 1 < lines.length &&
      TABLE_RULE.test(lines[i + 1])
    ) {
      const head = splitRow(line);
      const aligns = splitRow(lines[i + 1]).map(cell =>
        cell.endsWith(':') ? (cell.startsWith(':') ? 'center' : 'right') : undefined
      );
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && lines[i].includes('|') && lines[i].trim()) {
        rows.push(splitRow(lines[i]));
        i++;
      }
      blocks.push(
        <table key={key()}>
          <thead>
            <tr>
              {head.map((cell, c) => (
                <th key={c} style={{ textAlign: aligns[c] }}>
                  {renderInline(cell)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, r) => (
              <tr key={r}>
                {head.map((_, c) => (
                  <td key={c} style={{ textAlign: aligns[c] }}>
                    {renderInline(row[c] ?? '')}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      );
      continue;
    }
    if (/^\s*>/.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) {
        quoted.push(lines[i].replace(/^\s*>\s?/, ''));
        i++;
      }
      blocks.push(
        <blockquote key={key()}>{renderMarkdown(quoted.join('\n'))}</blockquote>
      );
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const ordered = /\d/.test(item[2]);
      const items: string[] = [];
      while (i < lines.length) {
        const m = LIST_ITEM.exec(lines[i]);
        if (m && /\d/.test(m[2]) === ordered) {
          items.push(m[3]);
        } else if (lines[i].trim() && /^\s+/.test(lines[i]) && items.length) {
          items[items.length - 1] += ` ${lines[i].trim()}`;
        } else {
          break;
        }
        i++;
      }
      const children = items.map((text, k) => {
        const task = /^\[([ xX])\]\s+(.*)$/.exec(text);
        return (
          <li key={k}>
            {task ? (
              <>
                <input type="checkbox" disabled checked={task[1] !== ' '} />{' '}
                {renderInline(task[2])}
              </>
            ) : (
              renderInline(text)
            )}
          </li>
        );
      });
      blocks.push(
        ordered ? <ol key={key()}>{children}</ol> : <ul key={key()}>{children}</ul>
      );
      continue;
    }
    const paragraph: string[] = [];
    while (
      i < lines.length &&
      lines[i].trim() &&
      !FENCE.test(lines[i]) &&
      !HEADING.test(lines[i]) &&
      !/^\s*>/.test(lines[i]) &&
      !LIST_ITEM.test(lines[i]) &&
      !RULE.test(lines[i])
    ) {
      paragraph.push(lines[i].trim());
      i++;
    }
    blocks.push(<p key={key()}>{renderInline(paragraph.join(' '))}</p>);
  }
  return blocks;
}

/** A model card: Markdown rendered with JupyterLab's Markdown styles. */
export function MarkdownView(props: { source: string }): JSX.Element {
  const nodes = React.useMemo(() => renderMarkdown(props.source), [props.source]);
  return (
    <div
      className="griffin-markdown jp-RenderedHTMLCommon jp-RenderedMarkdown"
      data-model-card
    >
      {nodes}
    </div>
  );
}
