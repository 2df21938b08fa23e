// Just enough Markdown for a draft under review: headings, lists, paragraphs, bold, italic, code.
// Every piece of text is escaped first, so a draft can never inject markup.

import { escape, trusted } from "./util.js";

const inline = (text) => escape(text)
  .replace(/`([^`]+)`/g, "<code>$1</code>")
  .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
  .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>");

/** Markdown text as safe HTML. */
export function markdown(source) {
  const out = [];
  let list = null;
  let paragraph = [];
  const flush = () => {
    if (paragraph.length) out.push(`<p>${inline(paragraph.join(" "))}</p>`);
    if (list) out.push(`<${list.tag}>${list.items.join("")}</${list.tag}>`);
    paragraph = [];
    list = null;
  };
  for (const line of String(source ?? "").split("\n")) {
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    const item = /^\s*(?:([-*])|\d+[.)])\s+(.*)$/.exec(line);
    if (item) {
      const tag = item[1] ? "ul" : "ol";
      if (list?.tag !== tag || paragraph.length) { flush(); list = { tag, items: [] }; }
      list.items.push(`<li>${inline(item[2])}</li>`);
    } else if (heading) {
      flush();
      const level = heading[1].length + 2;
      out.push(`<h${level}>${inline(heading[2])}</h${level}>`);
    } else if (line.trim()) {
      if (list) flush();
      paragraph.push(line.trim());
    } else {
      flush();
    }
  }
  flush();
  return trusted(out.join(""));
}
