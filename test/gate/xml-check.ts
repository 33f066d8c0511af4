// A strict little well-formedness check for the JUnit XML we write (no XML parser dependency):
// one root, every tag closed in order, attributes quoted, no raw "<" or stray "&" in text or values.
// Returns the element tree so tests can look inside.

export interface XmlNode { name: string; attrs: Record<string, string>; children: XmlNode[]; text: string }

const NAME = '[A-Za-z_][\\w.-]*';
const ENTITY = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function decode(s: string, where: string): string {
  if (s.includes('<')) throw new Error(`raw "<" in ${where}`);
  const stray = s.replace(ENTITY, '').indexOf('&');
  if (stray >= 0) throw new Error(`unescaped "&" in ${where}`);
  return s.replace(ENTITY, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e] ?? String.fromCodePoint(Number(e.startsWith('#x') ? `0x${e.slice(2)}` : e.slice(1))));
}

export function parseXml(xml: string): XmlNode {
  let rest = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const root: XmlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  const tag = new RegExp(`^<(/?)(${NAME})((?:\\s+${NAME}="[^"]*")*)\\s*(/?)>`);
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    const text = lt < 0 ? rest : rest.slice(0, lt);
    if (text.trim() !== '') stack[stack.length - 1].text += decode(text, `text of <${stack[stack.length - 1].name}>`);
    if (lt < 0) break;
    rest = rest.slice(lt);
    const m = tag.exec(rest);
    if (!m) throw new Error(`malformed tag near: ${rest.slice(0, 60)}`);
    const [all, close, name, attrText, selfClose] = m;
    rest = rest.slice(all.length);
    if (close) {
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText.matchAll(new RegExp(`(${NAME})="([^"]*)"`, 'g'))) {
      if (a[1] in attrs) throw new Error(`duplicate attribute ${a[1]} on <${name}>`);
      attrs[a[1]] = decode(a[2], `attribute ${a[1]} of <${name}>`);
    }
    const node: XmlNode = { name, attrs, children: [], text: '' };
    stack[stack.length - 1].children.push(node);
    if (!selfClose) stack.push(node);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (root.children.length !== 1) throw new Error(`expected one root element, found ${root.children.length}`);
  return root.children[0];
}
