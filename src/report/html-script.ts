// The drill-down's inline script (vanilla JS, no dependencies). It reads the embedded JSON, builds
// the case table with textContent only (never innerHTML, so model output cannot inject markup) and
// filters rows by model, suite, category, verdict/error type and free text.
export const DRILLDOWN_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('drill-data').textContent);
  var rows = data.rows, cases = data.cases;
  var $ = function (id) { return document.getElementById(id); };
  var f = { model: $('f-model'), suite: $('f-suite'), category: $('f-category'), error: $('f-error'), text: $('f-text') };
  var tbody = document.querySelector('#cases tbody');
  var count = $('case-count');

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function uniq(get) {
    var seen = {};
    rows.forEach(function (r) { seen[get(r)] = true; });
    return Object.keys(seen).sort();
  }
  function fill(select, values, labels) {
    values.forEach(function (v) { var o = el('option', null, labels ? labels(v) : v); o.value = v; select.appendChild(o); });
  }
  fill(f.model, uniq(function (r) { return r.m; }));
  fill(f.suite, uniq(function (r) { return r.s; }));
  fill(f.category, uniq(function (r) { return r.c; }));
  fill(f.error, ['pass', 'fail'].concat(uniq(function (r) { return r.e; }).filter(Boolean)), function (v) {
    return v === 'pass' ? 'passed' : v === 'fail' ? 'failed (any error)' : v;
  });
  if (uniq(function (r) { return r.s; }).length < 2) f.suite.parentNode.style.display = 'none';

  function pretty(v) { return typeof v === 'string' ? v : JSON.stringify(v, null, 2); }
  function section(parent, title, body) {
    var box = el('div', 'detail-block');
    box.appendChild(el('h4', null, title));
    box.appendChild(el('pre', null, body));
    parent.appendChild(box);
  }
  function detail(r) {
    var tr = el('tr', 'detail');
    var td = el('td');
    td.colSpan = 7;
    var grid = el('div', 'detail-grid');
    var c = cases[r.k];
    if (c) {
      section(grid, 'Query', Array.isArray(c.query) ? c.query.map(function (m) { return m.role + ': ' + m.content; }).join('\n') : c.query);
      section(grid, 'Expected', pretty(c.expected));
    } else {
      section(grid, 'Query', '(suite not available to the report: pass --suite to include queries, tools and expected answers)');
    }
    section(grid, 'Raw output', r.raw === '' ? '(empty)' : r.raw);
    section(grid, 'Parsed calls', r.calls === null ? '(did not parse)' : pretty(r.calls));
    section(grid, 'Verdict', (r.pass ? 'pass' : 'fail: ' + r.e) + (r.reason ? '\n' + r.reason : '') +
      '\n\nschema: ' + (r.schema ? 'invalid — ' + r.schema : 'valid'));
    if (c) section(grid, 'Tools', pretty(c.tools));
    td.appendChild(grid);
    tr.appendChild(td);
    return tr;
  }

  // Rows are built on demand and at most one page of matches is in the DOM at a time, so a report of
  // tens of thousands of results opens quickly.
  var pageSize = data.pageSize || 500;
  var limit = pageSize;
  var matches = [];
  var built = new Array(rows.length);
  var more = $('case-more');

  function buildRow(r) {
    var tr = el('tr', 'case');
    tr.appendChild(el('td', null, r.m));
    tr.appendChild(el('td', 'mono', r.id));
    tr.appendChild(el('td', null, r.c));
    var v = el('td');
    v.appendChild(el('span', r.pass ? 'badge ok' : 'badge bad', r.pass ? 'pass' : 'fail'));
    tr.appendChild(v);
    tr.appendChild(el('td', 'mono', r.e));
    tr.appendChild(el('td', 'reason', r.reason));
    tr.appendChild(el('td', 'num', r.ms === undefined ? '' : r.ms.toFixed(1)));
    tr.title = 'Click for query, tools, expected answer and raw output';
    tr.addEventListener('click', function () {
      if (tr._detail) { tr._detail.remove(); tr._detail = null; tr.classList.remove('open'); return; }
      tr._detail = detail(r);
      tr.classList.add('open');
      tr.after(tr._detail);
    });
    return tr;
  }

  function render() {
    var frag = document.createDocumentFragment();
    var n = Math.min(limit, matches.length);
    for (var k = 0; k < n; k++) {
      var i = matches[k];
      var tr = built[i] || (built[i] = buildRow(rows[i]));
      frag.appendChild(tr);
      if (tr._detail) frag.appendChild(tr._detail);
    }
    tbody.replaceChildren(frag);
    count.textContent = matches.length + ' of ' + rows.length + ' results match' + (n < matches.length ? ' · showing the first ' + n : '');
    more.hidden = n >= matches.length;
    more.textContent = 'Show ' + Math.min(pageSize, matches.length - n) + ' more';
  }

  function apply() {
    var m = f.model.value, s = f.suite.value, c = f.category.value, e = f.error.value;
    var t = f.text.value.trim().toLowerCase();
    matches = [];
    rows.forEach(function (r, i) {
      var ok = (!m || r.m === m) && (!s || r.s === s) && (!c || r.c === c) &&
        (!e || (e === 'pass' ? r.pass : e === 'fail' ? !r.pass : r.e === e)) &&
        (!t || (r.id + '\n' + r.raw + '\n' + r.reason).toLowerCase().indexOf(t) >= 0);
      if (ok) matches.push(i);
    });
    limit = pageSize;
    render();
  }
  more.addEventListener('click', function () { limit += pageSize; render(); });
  [f.model, f.suite, f.category, f.error].forEach(function (s) { s.addEventListener('change', apply); });
  f.text.addEventListener('input', apply);
  $('f-reset').addEventListener('click', function () {
    [f.model, f.suite, f.category, f.error].forEach(function (s) { s.value = ''; });
    f.text.value = '';
    apply();
  });
  apply();
})();
`;
