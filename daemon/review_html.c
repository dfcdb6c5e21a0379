/* review_html — the review as a self-contained HTML page (see review_html.h). A sales manager
 * opens it from a mail or a share: it must show without a network (no external stylesheet,
 * font or script) and without running anything, so the charts are inline SVG drawn here. */
#include "daemon/review_html.h"

#include "enrich/account.h"
#include "enrich/review.h"

#include <string.h>
#include <time.h>

/* The chart's geometry, in SVG user units (the picture scales to the page's width). */
enum { CH_W = 460, CH_LABEL = 150, CH_BAR = 270, CH_ROW = 20, CH_TOP = 22, CH_LABEL_CHARS = 22 };

static const char *const rec_colour[] = {"#c0392b", "#1e8449", "#b9770e", "#7f8c8d"}; /* by enum review_rec */
static const char *const axis_title[REVIEW_AXES] = {"Quantitative", "Strategic", "Image"};
static const char *const axis_what[REVIEW_AXES] = {"revenue, margin, growth potential", "strategic fit",
                                                   "image, power of prescription"};

/* Text and attribute values alike: the five characters that could end a text or a quoted
 * attribute, or open a tag. At most max_chars UTF-8 characters (0: all), "…" marking a cut. */
static void esc_n(FILE *f, const char *s, size_t max_chars)
{
    size_t chars = 0;
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c & 0xC0) != 0x80 && max_chars && chars++ == max_chars) {
            fputs("&#8230;", f);
            return;
        }
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(c, f);
        }
    }
}

static void esc(FILE *f, const char *s)
{
    esc_n(f, s, 0);
}

static void day_of(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%d", &tm);
}

static const char style[] =
    "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#222;margin:24px;"
    "max-width:1280px}\n"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}\n"
    ".meta{color:#555;margin:0 0 12px}\n"
    ".counts{display:flex;gap:12px;list-style:none;padding:0;margin:0;flex-wrap:wrap}\n"
    ".counts li{border-radius:6px;padding:8px 14px;color:#fff;min-width:90px}\n"
    ".counts b{display:block;font-size:22px}\n"
    ".charts{display:flex;flex-wrap:wrap;gap:16px}\n"
    "figure{margin:0;flex:1 1 380px;border:1px solid #ddd;border-radius:6px;padding:8px}\n"
    "figcaption{font-weight:600}figcaption span{font-weight:normal;color:#666}\n"
    "svg{width:100%;height:auto;display:block}svg text{font-size:12px;fill:#333}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "th,td{border-bottom:1px solid #ddd;padding:6px 8px;text-align:left;vertical-align:top}\n"
    "th{background:#f4f6f7;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    ".id{color:#777;font-size:12px}.d{white-space:nowrap}\n"
    ".rec{display:inline-block;border-radius:4px;padding:2px 8px;color:#fff;font-weight:600;white-space:nowrap}\n"
    "tr.rec-de-select td{background:#fdedec}tr.rec-promote td{background:#eafaf1}"
    "tr.rec-watch td{background:#fef5e7}\n"
    "td ul{margin:0;padding-left:16px}.up{color:#1e8449}.down{color:#c0392b}\n"
    ".note{color:#555;font-size:12px}\n";

static void header(FILE *f, const struct review_html_row *v, size_t n, const char *day)
{
    size_t count[REVIEW_KEEP + 1] = {0};
    for (size_t i = 0; i < n; i++)
        count[v[i].r->rec]++;
    fprintf(f, "<header>\n<h1>Key-account review</h1>\n<p class=\"meta\">Reviewed on <time>%s</time> &#183; "
               "<span id=\"n-accounts\">%zu</span> account(s)</p>\n<ul class=\"counts\">\n",
            day, n);
    for (int rec = REVIEW_DESELECT; rec <= REVIEW_KEEP; rec++)
        fprintf(f, "<li data-rec=\"%s\" style=\"background:%s\"><b>%zu</b>%s</li>\n", enrich_review_rec_names[rec],
                rec_colour[rec], count[rec], enrich_review_rec_names[rec]);
    fputs("</ul>\n</header>\n", f);
}

/* One horizontal bar per account, 0-100 with grid lines every 25, coloured by recommendation. */
static void chart(FILE *f, const struct review_html_row *v, size_t n, int axis)
{
    int h = CH_TOP + (int)n * CH_ROW + 4;
    fprintf(f, "<figure data-axis=\"%s\">\n<figcaption>%s <span>(%s)</span></figcaption>\n", enrich_review_axis_names[axis],
            axis_title[axis], axis_what[axis]);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s score "
               "per account\">\n",
            CH_W, h, axis_title[axis]);
    for (int t = 0; t <= 100; t += 25) {
        int x = CH_LABEL + CH_BAR * t / 100;
        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                   "<text x=\"%d\" y=\"14\" text-anchor=\"middle\">%d</text>\n",
                x, CH_TOP - 4, x, h, x, t);
    }
    for (size_t i = 0; i < n; i++) {
        const struct review_row *r = v[i].r;
        int y = CH_TOP + (int)i * CH_ROW, w = CH_BAR * r->score[axis] / 100;
        fputs("<g>", f);
        fputs("<title>", f);
        esc(f, v[i].a->name);
        fprintf(f, ": %s %d, %s</title>", enrich_review_axis_names[axis], r->score[axis],
                enrich_review_rec_names[r->rec]);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", CH_LABEL - 6, y + 14);
        esc_n(f, v[i].a->name, CH_LABEL_CHARS);
        fprintf(f, "</text><rect class=\"bar\" data-account=\"");
        esc(f, v[i].a->id);
        fprintf(f, "\" data-score=\"%d\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>", r->score[axis],
                CH_LABEL, y + 3, w, CH_ROW - 6, rec_colour[r->rec]);
        fprintf(f, "<text x=\"%d\" y=\"%d\">%d</text></g>\n", CH_LABEL + w + 4, y + 14, r->score[axis]);
    }
    fputs("</svg>\n</figure>\n", f);
}

static void trend(FILE *f, int now, int before, int complete)
{
    const char *cls = now > before ? "up" : now < before ? "down" : "";
    const char *arrow = now > before ? "&#9650;" : now < before ? "&#9660;" : "=";
    fprintf(f, "<td class=\"n %s\">%d / %d %s%s</td>", cls, now, before, arrow, complete ? "" : "*");
}

static void table(FILE *f, const struct review_html_row *v, size_t n)
{
    fputs("<h2>Accounts</h2>\n<table id=\"accounts\">\n<thead><tr><th>Account</th><th>Tier</th><th>Owner</th>"
          "<th>Quant.</th><th>Strat.</th><th>Image</th><th>Score</th><th>Heat</th><th>7 days</th>"
          "<th>90 days</th><th>Last signal</th><th>Review</th><th>Reasons</th></tr></thead>\n<tbody>\n",
          f);
    for (size_t i = 0; i < n; i++) {
        const struct enrich_account *a = v[i].a;
        const struct review_row *r = v[i].r;
        const char *rec = enrich_review_rec_names[r->rec];
        char last[32] = "-";
        if (r->last_ms)
            day_of(r->last_ms, last);
        fprintf(f, "<tr class=\"rec-%s\" data-account=\"", rec);
        esc(f, a->id);
        fputs("\"><td class=\"name\">", f);
        esc(f, a->name);
        fputs("<br><span class=\"id\">", f);
        esc(f, a->id);
        fputs("</span></td><td>", f);
        esc(f, a->tier ? a->tier : "standard");
        fputs("</td><td>", f);
        esc(f, a->owner ? a->owner : "-");
        fprintf(f, "</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td>"
                   "<td class=\"n\"><b>%d</b>%s</td><td class=\"n\">%.0f</td>",
                r->score[0], r->score[1], r->score[2], r->weighted, r->evidence_only ? "&#8224;" : "", r->heat);
        trend(f, r->d7_now, r->d7_before, 1);
        trend(f, r->d90_now, r->d90_before, r->d90_complete);
        fprintf(f, "<td class=\"d\">%s</td><td><span class=\"rec\" style=\"background:%s\">%s</span></td><td><ul>", last,
                rec_colour[r->rec], rec);
        for (size_t k = 0; k < r->n_reasons; k++) {
            fputs("<li>", f);
            esc(f, r->reasons[k]);
            fputs("</li>", f);
        }
        fputs("</ul></td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

int review_html_write(FILE *f, const struct review_html_row *v, size_t n, int64_t now_ms, int64_t since_ms)
{
    char day[32], since[32] = "";
    day_of(now_ms, day);
    if (since_ms)
        day_of(since_ms, since);
    int incomplete = 0, evidence_only = 0;
    for (size_t i = 0; i < n; i++) {
        incomplete |= !v[i].r->d90_complete;
        evidence_only |= v[i].r->evidence_only;
    }
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<title>Key-account review %s</title>\n<style>\n%s</style>\n</head>\n<body>\n",
            day, style);
    header(f, v, n, day);
    if (n) {
        fputs("<h2>Scores per axis (0&#8211;100) <span class=\"note\">bars coloured by recommendation</span></h2>\n"
              "<div class=\"charts\">\n",
              f);
        for (int x = 0; x < REVIEW_AXES; x++)
            chart(f, v, n, x);
        fputs("</div>\n", f);
        table(f, v, n);
    } else
        fputs("<p>No accounts to review.</p>\n", f);
    fputs("<p class=\"note\">De-select and promote come first, then the hottest accounts. Heat: the signals' "
          "priorities, halved for every half-life of age, capped at 100. 7 days and 90 days: signals in the last 7 "
          "(90) days / in the 7 (90) before.",
          f);
    if (evidence_only)
        fputs(" &#8224; no axis fields on the account: scores from evidence only.", f);
    if (incomplete)
        fprintf(f, " * the signals stream reaches back to %s only, less than the 180 days a 90-day trend compares.",
                since_ms ? since : "no signal at all");
    fputs(" vigie never changes a tier: the review is for the account team to decide on.</p>\n</body>\n</html>\n", f);
    return ferror(f) ? -1 : 0;
}
