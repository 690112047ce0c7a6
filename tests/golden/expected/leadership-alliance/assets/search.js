// Runs the search page's query (?q=) against this edition's Pagefind index and lists the briefs found.
// Pagefind's excerpts are HTML; only their text and <mark> elements are copied into the page.
const box = document.getElementById("search-results");
const status = box.querySelector(".search-status");
const list = box.querySelector(".search-list");
const query = (new URLSearchParams(window.location.search).get("q") || "").trim();
const field = document.getElementById("search-box-q");
if (field) field.value = query;

function say(message, values = {}) {
  status.textContent = message.replace(/\{(\w+)\}/g, (all, name) => (name in values ? values[name] : all));
}

function excerpt(html) {
  const shown = document.createElement("p");
  const parsed = new DOMParser().parseFromString(html, "text/html");
  for (const node of parsed.body.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      shown.append(mark);
    } else {
      shown.append(node.textContent);
    }
  }
  return shown;
}

function item(data) {
  const row = document.createElement("li");
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = (data.meta && data.meta.title) || data.url;
  row.append(link, excerpt(data.excerpt || ""));
  return row;
}

async function open(root) {
  // The index is split into shards (folders 0, 1, …); Pagefind's script in the first merges the
  // others, and ranks the results of all of them together.
  const [first, ...rest] = (box.dataset.shards || "0").split(" ").map((shard) => new URL(`${shard}/`, root).href);
  const pagefind = await import(new URL("pagefind.js", first).href);
  const [, ...others] = (box.dataset.languages || "").split(" ").filter(Boolean);
  const merged = rest.map((bundle) => pagefind.mergeIndex(bundle));
  // The bilingual view searches each of its languages' indexes; Pagefind merges only a path other
  // than its own, hence "./" (the same folder) for the first shard.
  for (const language of others) {
    merged.push(...[`${first}./`, ...rest].map((bundle) => pagefind.mergeIndex(bundle, { language })));
  }
  await Promise.all(merged);
  return pagefind;
}

async function run() {
  if (!query) return say(box.dataset.empty);
  say(box.dataset.searching);
  let pagefind;
  try {
    pagefind = await open(new URL(box.dataset.bundle, document.baseURI));
  } catch (error) {
    return say(box.dataset.unavailable);
  }
  const found = await pagefind.search(query);
  const results = await Promise.all(found.results.slice(0, 50).map((result) => result.data()));
  list.replaceChildren(...results.map(item));
  say(results.length ? box.dataset.found : box.dataset.none, { query, count: String(found.results.length) });
}

run();
