/* console_static — the console's one stylesheet and one script, served by URL (the
 * Content-Security-Policy allows no inline style or script). Small on purpose: the pages are
 * complete without the script (sorting and filtering are also done server-side through the
 * query), which only adds sorting by a click, the filter box and live refresh. */
#include "daemon/console_page.h"

#include <string.h>

static const char css[] =
    ":root{--fg:#1b1f24;--muted:#5b6470;--bg:#fff;--line:#d8dde3;--accent:#0b5cad;--hot:#c2410c;"
    "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);background:var(--bg)}\n"
    "body{margin:0;line-height:1.4;font-size:15px}\n"
    "header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;padding:.5rem 1rem;"
    "border-bottom:1px solid var(--line);background:#f5f7f9}\n"
    "header .brand{font-weight:700;color:var(--fg);text-decoration:none}\n"
    "nav{display:flex;flex-wrap:wrap;gap:.25rem .75rem}\n"
    "nav a{color:var(--accent);text-decoration:none;padding:.25rem 0}\n"
    "nav a.active{font-weight:700;border-bottom:2px solid var(--accent)}\n"
    "main{padding:1rem;max-width:80rem;margin:0 auto}\n"
    "footer{padding:1rem;color:var(--muted);font-size:.8rem;text-align:center}\n"
    "h1{font-size:1.4rem;margin:.25rem 0 .75rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}\n"
    "a{color:var(--accent)}\n"
    ".muted{color:var(--muted)}.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}\n"
    "table{border-collapse:collapse;width:100%;font-size:.9rem}\n"
    "th,td{padding:.35rem .5rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}\n"
    "th{background:#f5f7f9;position:sticky;top:0;white-space:nowrap}\n"
    "th.sortable{cursor:pointer}th.sorted-asc::after{content:' \\25B2'}th.sorted-desc::after{content:' \\25BC'}\n"
    "form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin:.5rem 0 1rem}\n"
    "form.filters label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted)}\n"
    "input,select,button{font:inherit;padding:.3rem .4rem;min-height:2rem}\n"
    ".pager{display:flex;gap:1rem;align-items:center;margin:.75rem 0}\n"
    ".spark{color:var(--hot);vertical-align:middle}td.heat{white-space:nowrap}\n"
    ".tier-key{font-weight:700}\n"
    ".heatmap td.h{width:1.2rem;min-width:1.2rem;padding:0;height:1.2rem}\n"
    ".h0{background:#f3f4f6}.h1{background:#fde7d4}.h2{background:#fbc79c}.h3{background:#f59e5b}"
    ".h4{background:#e0701f}.h5{background:#b4460a}\n"
    ".bad{color:#b91c1c}.good{color:#15803d}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}\n"
    "dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}\n"
    ".bar{display:inline-block;height:.7rem;background:var(--accent);vertical-align:middle;width:2px}\n"
    ".bar.w1{width:1rem}.bar.w2{width:2rem}.bar.w3{width:3rem}.bar.w4{width:4rem}.bar.w5{width:5rem}"
    ".bar.w6{width:6rem}.bar.w7{width:7rem}.bar.w8{width:8rem}.bar.w9{width:9rem}.bar.w10{width:10rem}\n"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1rem}\n"
    ".card{border:1px solid var(--line);border-radius:6px;padding:.75rem}\n"
    "[hidden]{display:none!important}\n"
    "@media (max-width:40rem){body{font-size:14px}main{padding:.5rem}"
    "table.collapse thead{display:none}table.collapse tr{display:block;border-bottom:2px solid var(--line);"
    "padding:.25rem 0}table.collapse td{display:block;border:0;padding:.1rem .25rem}"
    "table.collapse td[data-label]::before{content:attr(data-label) ': ';color:var(--muted)}"
    "table.collapse td:empty{display:none}}\n";

static const char js[] =
    "'use strict';\n"
    "// vigie console: click a column head to sort, type in a filter box to hide rows,\n"
    "// and reload the page every N seconds where an element (the first) has data-refresh=\"N\".\n"
    "(function () {\n"
    "  function key(td) {\n"
    "    if (!td) return '';\n"
    "    var v = td.getAttribute('data-sort');\n"
    "    if (v === null) v = td.textContent.trim();\n"
    "    return /^-?\\d+(\\.\\d+)?$/.test(v) ? parseFloat(v) : v.toLowerCase();\n"
    "  }\n"
    "  function sortBy(table, th) {\n"
    "    var idx = Array.prototype.indexOf.call(th.parentNode.children, th);\n"
    "    var desc = !th.classList.contains('sorted-desc');\n"
    "    Array.prototype.forEach.call(th.parentNode.children, function (h) {\n"
    "      h.classList.remove('sorted-asc', 'sorted-desc');\n"
    "    });\n"
    "    th.classList.add(desc ? 'sorted-desc' : 'sorted-asc');\n"
    "    var body = table.tBodies[0];\n"
    "    var rows = Array.prototype.slice.call(body.rows);\n"
    "    rows.sort(function (a, b) {\n"
    "      var x = key(a.cells[idx]), y = key(b.cells[idx]);\n"
    "      if (typeof x !== typeof y) { x = String(x); y = String(y); }\n"
    "      var c = x < y ? -1 : x > y ? 1 : 0;\n"
    "      return desc ? -c : c;\n"
    "    });\n"
    "    rows.forEach(function (r) { body.appendChild(r); });\n"
    "  }\n"
    "  document.querySelectorAll('table.sortable').forEach(function (table) {\n"
    "    table.querySelectorAll('thead th').forEach(function (th) {\n"
    "      th.classList.add('sortable');\n"
    "      th.setAttribute('tabindex', '0');\n"
    "      th.addEventListener('click', function () { sortBy(table, th); });\n"
    "      th.addEventListener('keydown', function (e) { if (e.key === 'Enter') sortBy(table, th); });\n"
    "    });\n"
    "  });\n"
    "  document.querySelectorAll('input[data-filter]').forEach(function (input) {\n"
    "    var table = document.getElementById(input.getAttribute('data-filter'));\n"
    "    if (!table) return;\n"
    "    input.hidden = false;\n"
    "    input.addEventListener('input', function () {\n"
    "      var q = input.value.trim().toLowerCase();\n"
    "      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {\n"
    "        r.hidden = q !== '' && r.textContent.toLowerCase().indexOf(q) < 0;\n"
    "      });\n"
    "    });\n"
    "  });\n"
    "  document.querySelectorAll('select[data-autosubmit]').forEach(function (s) {\n"
    "    s.addEventListener('change', function () { if (s.form) s.form.submit(); });\n"
    "  });\n"
    "  var live = document.querySelector('[data-refresh]');\n"
    "  var every = parseInt((live && live.getAttribute('data-refresh')) || '0', 10);\n"
    "  if (every > 0) setTimeout(function () { location.reload(); }, every * 1000);\n"
    "})();\n";

const char *console_static(const char *path, const char **ctype, size_t *len)
{
    if (strcmp(path, "/ui/static/console.css") == 0) {
        *ctype = "text/css; charset=utf-8";
        *len = sizeof(css) - 1;
        return css;
    }
    if (strcmp(path, "/ui/static/console.js") == 0) {
        *ctype = "text/javascript; charset=utf-8";
        *len = sizeof(js) - 1;
        return js;
    }
    return NULL;
}
