import { applyEdits, findNodeAtLocation, modify, parseTree, type JSONPath } from 'jsonc-parser';
import { detectFormatting } from './daemon-json.js';

export interface JsonEdit {
  path: JSONPath;
  /** undefined removes the key. */
  value: unknown;
}

const BOM = '\uFEFF';

/**
 * Apply edits to a JSON document as text (changesets' edit-json): every other key, the key
 * order, indentation, line endings, BOM and final newline stay as the file had them.
 * A blank document starts as `{}` indented with `blankIndent` (docker/cli writes tabs).
 */
export function editJsonText(text: string | undefined, edits: readonly JsonEdit[], blankIndent = '\t'): string {
  const source = text ?? '';
  const bom = source.startsWith(BOM) ? BOM : '';
  const blank = source.slice(bom.length).trim() === '';
  let body = blank ? '{}\n' : source.slice(bom.length);
  const formattingOptions = blank
    ? { insertSpaces: blankIndent !== '\t', tabSize: blankIndent === '\t' ? 1 : blankIndent.length, eol: '\n' }
    : detectFormatting(body);
  for (const edit of edits) {
    body = edit.value === undefined ? removeProperty(body, edit.path) : applyEdits(body, modify(body, edit.path, edit.value, { formattingOptions }));
  }
  return bom + body;
}

/**
 * jsonc-parser's removal either reformats the parent or glues the next key onto the brace;
 * a property on lines of its own is removed with its lines instead, and a last one leaves `{}`.
 */
function removeProperty(body: string, path: JSONPath): string {
  const prop = findNodeAtLocation(parseTree(body)!, path)?.parent;
  const object = prop?.parent;
  if (prop?.type !== 'property' || object === undefined) return body;
  const siblings = object.children ?? [];
  if (siblings.length === 1) return body.slice(0, object.offset) + '{}' + body.slice(object.offset + object.length);
  const lineStart = body.lastIndexOf('\n', prop.offset - 1) + 1;
  let end = prop.offset + prop.length;
  while (body[end] === ' ' || body[end] === '\t') end++;
  if (body[end] === ',') end++;
  while (body[end] === ' ' || body[end] === '\t') end++;
  const ownLine = body.slice(lineStart, prop.offset).trim() === '' && (body[end] === '\n' || body[end] === '\r');
  if (!ownLine) return applyEdits(body, modify(body, path, undefined, {}));
  end += body.startsWith('\r\n', end) ? 2 : 1;
  let out = body.slice(0, lineStart) + body.slice(end);
  const index = siblings.indexOf(prop);
  if (index === siblings.length - 1) {
    // The new last property must lose its trailing comma (strict JSON).
    const prev = siblings[index - 1]!;
    const comma = out.indexOf(',', prev.offset + prev.length);
    if (comma >= 0 && comma < lineStart) out = out.slice(0, comma) + out.slice(comma + 1);
  }
  return out;
}
