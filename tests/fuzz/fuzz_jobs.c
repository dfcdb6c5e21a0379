/* fuzz_jobs — libFuzzer harness for the `jobs` source kind: hostile bytes as a Greenhouse or a
 * Lever answer (the first byte picks the board) polled after a fixed four-day series, so the
 * detection runs too; and the same bytes as what the previous poll kept, with a fixed answer.
 * What comes out must keep the promises of kind.h and of the items (fuzz_check.h): a failure
 * says why; items are "jobs" items with a structured member naming the board's company; what
 * is kept is a series the kind reads back, bounded, and `show` prints it. Else it aborts. */
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "fetchers/jobs.h"
#include "fetchers/kind.h"
#include "fuzz_check.h"

#include <stdint.h>
#include <stdlib.h>

#define T0 1796000000
#define DAY 86400
#define KEEP_MAX (512u << 10) /* far above what 60 days of 30 + 30 short names take */

static const char *const options[] = {"{\"board\":\"greenhouse\",\"token\":\"acme\"}",
                                      "{\"board\":\"lever\",\"token\":\"globex\"}"};
static const char *const bodies[] = {
    "{\"jobs\":[{\"id\":1,\"location\":{\"name\":\"Paris\"},\"departments\":[{\"name\":\"Engineering\"}]},"
    "{\"id\":2,\"location\":{\"name\":\"London\"},\"departments\":[{\"name\":\"Sales\"}]}],\"meta\":{\"total\":2}}",
    "[{\"id\":\"a\",\"categories\":{\"department\":\"Engineering\",\"location\":\"Paris\"}},"
    "{\"id\":\"b\",\"categories\":{\"team\":\"Sales\",\"location\":\"London\"}}]"};

static void check_output(int board, int rc, const struct kind_output *out, const char *err)
{
    if (rc < 0) {
        if (!err[0] || fz_utf8_bad(err) || !out->error_kind)
            fz_fail("jobs parse", "a failure without a readable message and kind", err);
        if (out->doc || out->watch_text)
            fz_fail("jobs parse", "a document or a keep left after a failure", NULL);
        return;
    }
    if (rc != 0 || !out->doc || !out->watch_text)
        fz_fail("jobs parse", "success without a document and a keep", NULL);
    if (strlen(out->watch_text) > KEEP_MAX)
        fz_fail("jobs keep", "not bounded", NULL);
    fz_string("jobs keep", out->watch_text, 0, 0);
    struct jobs_series s;
    if (jobs_series_read(out->watch_text, &s) < 0)
        fz_fail("jobs keep", "not read back", out->watch_text);
    if (s.npolls < 1 || s.npolls > JOBS_MAX_POLLS || s.nseen > JOBS_MAX_SEEN || s.board != board)
        fz_fail("jobs keep", "outside its bounds", out->watch_text);
    for (size_t i = 0; i < s.npolls; i++)
        if (s.polls[i].dept.n > JOBS_TOP || s.polls[i].loc.n > JOBS_TOP)
            fz_fail("jobs keep", "a tally past JOBS_TOP", out->watch_text);
    jobs_series_free(&s);
    struct vg_buf shown;
    vg_buf_init(&shown, 0);
    if (source_kind_find("jobs")->show(out->watch_text, &shown) < 0)
        fz_fail("jobs show", "refused what the kind kept", out->watch_text);
    fz_string("jobs show", shown.data, 0, 1);
    vg_buf_free(&shown);
    char *json = feed_doc_to_json(out->doc);
    fz_doc(out->doc, JOBS_MAX_NEW_LOCS + 1, json); /* the new locations and one level signal */
    vg_free(json);
    for (size_t i = 0; i < out->doc->nitems; i++) {
        const struct feed_item *it = &out->doc->items[i];
        if (!it->kind || strcmp(it->kind, "jobs") != 0 || !it->id || !it->link || !it->structured)
            fz_fail("jobs item", "not a jobs item with an id, a link and a structured member", it->title);
        cJSON *st = cJSON_Parse(it->structured);
        const cJSON *co = cJSON_GetObjectItemCaseSensitive(st, "company");
        const cJSON *scheme = cJSON_GetObjectItemCaseSensitive(co, "scheme");
        const cJSON *sig = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(st, "signals"), 0);
        if (!cJSON_IsString(scheme) || strcmp(scheme->valuestring, board ? "lever" : "greenhouse") != 0 ||
            !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(sig, "type")) ||
            !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(sig, "confidence")))
            fz_fail("jobs structured", "not as docs/design.md describes it", it->structured);
        cJSON_Delete(st);
    }
}

/* One poll of the kind. */
static int run(int board, const char *body, size_t len, const char *keep, int64_t now, struct kind_output *out,
               char *err, size_t errlen)
{
    struct kind_input in = {.body = body, .len = len, .url = "https://fuzz.example/jobs",
                            .options = options[board], .watch_text = keep, .now = now};
    memset(out, 0, sizeof(*out));
    err[0] = '\0';
    return source_kind_find("jobs")->parse(&in, out, err, errlen);
}

static void release(struct kind_output *out)
{
    feed_doc_free(out->doc);
    vg_free(out->watch_text);
    memset(out, 0, sizeof(*out));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int board = data[0] & 1;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    char err[300];
    struct kind_output out;

    /* a series of four days of the fixed board, then the hostile answer on the fifth */
    char *keep = NULL;
    for (int d = 0; d < 4; d++) {
        int rc = run(board, bodies[board], strlen(bodies[board]), keep, T0 + d * DAY, &out, err, sizeof(err));
        if (rc < 0)
            fz_fail("jobs parse", "the fixed answer refused", err);
        vg_free(keep);
        keep = out.watch_text;
        out.watch_text = NULL;
        release(&out);
    }
    int rc = run(board, body, len, keep, T0 + 4 * DAY, &out, err, sizeof(err));
    check_output(board, rc, &out, err);
    release(&out);
    vg_free(keep);

    /* the hostile bytes as the keep (NUL-terminated, as the store hands it) */
    char *text = vg_strndup(body, len);
    if (!text)
        return 0;
    rc = run(board, bodies[board], strlen(bodies[board]), text, T0 + 4 * DAY, &out, err, sizeof(err));
    check_output(board, rc, &out, err);
    if (rc < 0)
        fz_fail("jobs parse", "a hostile keep failed the poll instead of starting anew", err);
    release(&out);
    struct vg_buf shown;
    vg_buf_init(&shown, 0);
    if (source_kind_find("jobs")->show(text, &shown) == 0)
        fz_string("jobs show", shown.data, 0, 1);
    vg_buf_free(&shown);
    vg_free(text);
    return 0;
}
