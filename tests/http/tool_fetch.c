/* tool_fetch — drives the HTTP client (http/fetch_http.h) for test_http_client.py.
 *
 * Runs one fetch_client on a libevent loop over the URLs given on the command line ("-" reads
 * them from stdin, one per line) and prints one JSON line per result, in completion order:
 *   {"index","url","effective_url","status","error","reason","body_len","head","content_type",
 *    "charset","etag","last_modified","not_modified","retry_after","retry_after_given",
 *    "header_values","redirects","http_version","queued_ms","submit_mono_ms","done_mono_ms"}
 * header_values: null without --want-header, else one value (or null) per wanted name.
 * Times are CLOCK_MONOTONIC milliseconds, the clock Python's time.monotonic() reads, so the
 * test can compare them with what its server recorded. Options mirror struct fetch_config and
 * struct fetch_request; see usage(). Exit status: 0 when every request completed, 1 when the
 * client could not be created, 2 on bad usage, 3 when --deadline-ms passed first.
 *
 * A request body (--data, --data-file) is handed over in a buffer that is overwritten and
 * freed as soon as fetch_send() returns, so a test sees the body arrive only if the client
 * copied it. */
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_file.h"
#include "util/vg_log.h"
#include "http/fetch_host.h"
#include "http/fetch_http.h"

#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define MAX_URLS 100000
#define MAX_EXTRA_HEADERS 16
#define MAX_DATA_FILE (64u << 20)

struct run {
    struct event_base *base;
    struct fetch_client *client;
    struct fetch_request req;
    size_t nwant;       /* names in req.want_headers */
    char *data_file;    /* --data-file's content */
    char *methods;      /* --methods: request i uses the (i mod n)th, so that one easy handle
                           serves a POST and then a GET */
    const char *method_list[MAX_EXTRA_HEADERS];
    size_t nmethods;
    char **urls;
    struct job **jobs;  /* jobs[i] until request i completes: fetch_client_free() does not
                           call back, so whatever is still running at a deadline is freed
                           from here */
    size_t nurls;
    size_t next;        /* next URL to submit (sequential mode) */
    size_t done;
    int sequential;
    const char *body_dir;
    size_t max_in_flight_seen;
    size_t max_queued_seen;
    int deadline_hit;
};

struct job {
    struct run *run;
    size_t index;
    uint64_t submit_ms;
};

static void usage(void)
{
    fprintf(stderr,
            "usage: tool_fetch [options] URL... ('-' reads URLs from stdin)\n"
            "  client: --allow-private CIDRS --allow-file --max-body N --per-host N\n"
            "          --delay-ms N --max-in-flight N --connect-timeout-ms N --timeout-ms N\n"
            "          --low-speed BYTES --low-speed-time S --max-redirects N\n"
            "          --user-agent S --retry-after-max S --proxy URL --ca-file PEM\n"
            "  request: --etag S --last-modified S --accept TYPES --header 'N: v' (repeat)\n"
            "           --req-max-body N --method M --data S --data-file F --content-type T\n"
            "           --want-header NAME (repeat) --methods M1,M2,... (request i: M(i mod n))\n"
            "  run: --body-dir DIR --sequential --pause-ms N --stats --debug --deadline-ms N\n");
}

static void sample(struct run *r)
{
    struct fetch_stats st;
    fetch_client_stats(r->client, &st);
    if (st.in_flight > r->max_in_flight_seen)
        r->max_in_flight_seen = st.in_flight;
    if (st.queued > r->max_queued_seen)
        r->max_queued_seen = st.queued;
}

static void json_field_str(struct vg_buf *b, const char *name, const char *v)
{
    vg_buf_printf(b, ",\"%s\":", name);
    if (v)
        vg_buf_json_str(b, v);
    else
        vg_buf_puts(b, "null");
}

static void write_body(const struct run *r, size_t index, const struct vg_buf *body)
{
    if (!r->body_dir)
        return;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%zu.body", r->body_dir, index);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return;
    }
    if (body->len)
        fwrite(body->data, 1, body->len, f);
    fclose(f);
}

static void submit(struct run *r, size_t index);

static void on_done(struct fetch_response *resp, void *arg)
{
    struct job *j = arg;
    struct run *r = j->run;
    char head[49];
    size_t n = resp->body.len < 48 ? resp->body.len : 48;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)resp->body.data[i];
        head[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '.';
    }
    head[n] = '\0';

    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_printf(&b, "{\"index\":%zu", j->index);
    json_field_str(&b, "url", resp->url);
    json_field_str(&b, "effective_url", resp->effective_url);
    vg_buf_printf(&b, ",\"status\":%ld", resp->status);
    json_field_str(&b, "error", fetch_error_name(resp->error));
    json_field_str(&b, "reason", resp->reason);
    vg_buf_printf(&b, ",\"body_len\":%zu", resp->body.len);
    json_field_str(&b, "head", head);
    json_field_str(&b, "content_type", resp->content_type);
    json_field_str(&b, "charset", resp->charset);
    json_field_str(&b, "etag", resp->etag);
    json_field_str(&b, "last_modified", resp->last_modified);
    vg_buf_printf(&b, ",\"not_modified\":%s,\"retry_after\":%ld,\"retry_after_given\":%s",
                  resp->not_modified ? "true" : "false", resp->retry_after_s,
                  resp->retry_after_given ? "true" : "false");
    if (!resp->header_values) {
        vg_buf_puts(&b, ",\"header_values\":null");
    } else {
        vg_buf_puts(&b, ",\"header_values\":[");
        for (size_t i = 0; i < r->nwant; i++) {
            if (i)
                vg_buf_putc(&b, ',');
            if (resp->header_values[i])
                vg_buf_json_str(&b, resp->header_values[i]);
            else
                vg_buf_puts(&b, "null");
        }
        vg_buf_putc(&b, ']');
    }
    vg_buf_printf(&b,
                  ",\"redirects\":%ld,\"http_version\":%d,\"queued_ms\":%ld,"
                  "\"submit_mono_ms\":%llu,\"done_mono_ms\":%llu}",
                  resp->redirects, resp->http_version, resp->queued_ms,
                  (unsigned long long)j->submit_ms, (unsigned long long)fetch_now_ms());
    if (b.data)
        printf("%s\n", b.data);
    fflush(stdout);
    vg_buf_free(&b);
    write_body(r, j->index, &resp->body);
    r->jobs[j->index] = NULL;
    vg_free(j);

    sample(r);
    r->done++;
    if (r->sequential && r->next < r->nurls)
        submit(r, r->next++);   /* fetch_get from inside a callback */
    if (r->done == r->nurls)
        event_base_loopbreak(r->base);
}

static void submit(struct run *r, size_t index)
{
    char err[256];
    struct job *j = vg_calloc(1, sizeof(*j));
    if (!j) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    j->run = r;
    j->index = index;
    j->submit_ms = fetch_now_ms();
    struct fetch_request req = r->req;
    req.url = r->urls[index];
    if (r->nmethods) {
        req.method = r->method_list[index % r->nmethods];
        if (strcmp(req.method, "GET") == 0)
            req.body = NULL, req.body_len = 0;   /* --data is for the others */
    }
    r->jobs[index] = j;
    /* The body in a buffer of its own, spoiled and freed right after the call. */
    char *body = NULL;
    if (req.body && !(body = vg_malloc(req.body_len ? req.body_len : 1))) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    if (body) {
        memcpy(body, req.body, req.body_len);
        req.body = body;
    }
    /* fetch_get for the plain GETs, as the poller calls it; fetch_send for the others. */
    int rc = req.method ? fetch_send(r->client, &req, on_done, j, err, sizeof(err))
                        : fetch_get(r->client, &req, on_done, j, err, sizeof(err));
    if (body) {
        memset(body, 'X', req.body_len);
        vg_free(body);
    }
    if (rc < 0) {
        struct vg_buf b;
        vg_buf_init(&b, 0);
        vg_buf_printf(&b, "{\"index\":%zu", index);
        json_field_str(&b, "url", req.url);
        json_field_str(&b, "error", "submit");
        json_field_str(&b, "reason", err);
        vg_buf_puts(&b, "}");
        if (b.data)
            printf("%s\n", b.data);
        fflush(stdout);
        vg_buf_free(&b);
        r->jobs[index] = NULL;
        vg_free(j);
        r->done++;
        if (r->done == r->nurls)
            event_base_loopbreak(r->base);
        return;
    }
    sample(r);
}

static void submit_all(struct run *r)
{
    if (r->sequential) {
        if (r->nurls > 0)
            submit(r, r->next++);
        return;
    }
    for (size_t i = 0; i < r->nurls; i++)
        submit(r, i);
    r->next = r->nurls;
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    struct fetch_stats st;
    (void)fd;
    (void)what;
    fetch_client_stats(r->client, &st);
    printf("{\"event\":\"resume\",\"mono_ms\":%llu,\"paused\":%d,\"queued\":%zu,"
           "\"in_flight\":%zu}\n",
           (unsigned long long)fetch_now_ms(), st.paused, st.queued, st.in_flight);
    fflush(stdout);
    fetch_client_pause(r->client, 0);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    (void)fd;
    (void)what;
    r->deadline_hit = 1;
    printf("{\"event\":\"deadline\",\"done\":%zu,\"total\":%zu}\n", r->done, r->nurls);
    fflush(stdout);
    event_base_loopbreak(r->base);
}

static void print_stats(struct run *r)
{
    struct fetch_stats st;
    struct rusage ru;
    fetch_client_stats(r->client, &st);
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"stats\":{\"submitted\":%llu,\"completed\":%llu,\"ok\":%llu,\"not_modified\":%llu,"
           "\"body_bytes\":%llu,\"in_flight\":%zu,\"queued\":%zu,\"hosts\":%zu,"
           "\"max_in_flight_seen\":%zu,\"max_queued_seen\":%zu,\"maxrss_kb\":%ld,\"errors\":{",
           (unsigned long long)st.submitted, (unsigned long long)st.completed,
           (unsigned long long)st.ok, (unsigned long long)st.not_modified,
           (unsigned long long)st.body_bytes, st.in_flight, st.queued, st.hosts,
           r->max_in_flight_seen, r->max_queued_seen, ru.ru_maxrss);
    for (int e = 0; e < FETCH_ERR__COUNT; e++)
        printf("%s\"%s\":%llu", e ? "," : "", fetch_error_name((enum fetch_error)e),
               (unsigned long long)st.errors[e]);
    printf("}}}\n");
    fflush(stdout);
}

static int read_stdin_urls(struct run *r, size_t cap)
{
    char line[8192];
    while (fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        if (r->nurls >= cap)
            return -1;
        r->urls[r->nurls] = vg_strdup(line);
        if (!r->urls[r->nurls])
            return -1;
        r->nurls++;
    }
    return 0;
}

static void free_run(struct run *r)
{
    for (size_t i = 0; i < r->nurls; i++) {
        vg_free(r->urls[i]);
        vg_free(r->jobs ? r->jobs[i] : NULL);
    }
    vg_free(r->urls);
    vg_free(r->jobs);
    vg_free(r->data_file);
    vg_free(r->methods);
}

enum {
    O_ALLOW_PRIVATE = 256, O_ALLOW_FILE, O_MAX_BODY, O_PER_HOST, O_DELAY, O_MAX_IN_FLIGHT,
    O_CONNECT_TIMEOUT, O_TIMEOUT, O_LOW_SPEED, O_LOW_SPEED_TIME, O_MAX_REDIRECTS, O_UA,
    O_RETRY_MAX, O_PROXY, O_CA_FILE, O_ETAG, O_LASTMOD, O_ACCEPT, O_HEADER, O_REQ_MAX_BODY, O_BODY_DIR,
    O_SEQUENTIAL, O_PAUSE, O_STATS, O_DEBUG, O_DEADLINE, O_METHOD, O_DATA, O_DATA_FILE,
    O_CONTENT_TYPE, O_WANT_HEADER, O_METHODS,
};

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"allow-private", required_argument, 0, O_ALLOW_PRIVATE},
        {"allow-file", no_argument, 0, O_ALLOW_FILE},
        {"max-body", required_argument, 0, O_MAX_BODY},
        {"per-host", required_argument, 0, O_PER_HOST},
        {"delay-ms", required_argument, 0, O_DELAY},
        {"max-in-flight", required_argument, 0, O_MAX_IN_FLIGHT},
        {"connect-timeout-ms", required_argument, 0, O_CONNECT_TIMEOUT},
        {"timeout-ms", required_argument, 0, O_TIMEOUT},
        {"low-speed", required_argument, 0, O_LOW_SPEED},
        {"low-speed-time", required_argument, 0, O_LOW_SPEED_TIME},
        {"max-redirects", required_argument, 0, O_MAX_REDIRECTS},
        {"user-agent", required_argument, 0, O_UA},
        {"retry-after-max", required_argument, 0, O_RETRY_MAX},
        {"proxy", required_argument, 0, O_PROXY},
        {"ca-file", required_argument, 0, O_CA_FILE},
        {"etag", required_argument, 0, O_ETAG},
        {"last-modified", required_argument, 0, O_LASTMOD},
        {"accept", required_argument, 0, O_ACCEPT},
        {"header", required_argument, 0, O_HEADER},
        {"req-max-body", required_argument, 0, O_REQ_MAX_BODY},
        {"body-dir", required_argument, 0, O_BODY_DIR},
        {"sequential", no_argument, 0, O_SEQUENTIAL},
        {"pause-ms", required_argument, 0, O_PAUSE},
        {"stats", no_argument, 0, O_STATS},
        {"debug", no_argument, 0, O_DEBUG},
        {"deadline-ms", required_argument, 0, O_DEADLINE},
        {"method", required_argument, 0, O_METHOD},
        {"data", required_argument, 0, O_DATA},
        {"data-file", required_argument, 0, O_DATA_FILE},
        {"content-type", required_argument, 0, O_CONTENT_TYPE},
        {"want-header", required_argument, 0, O_WANT_HEADER},
        {"methods", required_argument, 0, O_METHODS},
        {0, 0, 0, 0},
    };
    struct fetch_config cfg;
    struct run r;
    const char *headers[MAX_EXTRA_HEADERS + 1] = {0};
    const char *want[MAX_EXTRA_HEADERS + 1] = {0};
    size_t nheaders = 0;
    long pause_ms = -1, deadline_ms = 60000;
    int stats = 0, opt;
    memset(&r, 0, sizeof(r));
    fetch_config_defaults(&cfg);
    cfg.per_host_delay_ms = 0;   /* tests opt in to delays */
    vg_log_setup(VG_LOG_WARNING, VG_LOG_TEXT);

    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case O_ALLOW_PRIVATE: cfg.allow_private = optarg; break;
        case O_ALLOW_FILE: cfg.allow_file = 1; break;
        case O_MAX_BODY: cfg.max_body = strtoull(optarg, NULL, 10); break;
        case O_PER_HOST: cfg.per_host_concurrency = atoi(optarg); break;
        case O_DELAY: cfg.per_host_delay_ms = atol(optarg); break;
        case O_MAX_IN_FLIGHT: cfg.max_in_flight = atoi(optarg); break;
        case O_CONNECT_TIMEOUT: cfg.connect_timeout_ms = atol(optarg); break;
        case O_TIMEOUT: cfg.total_timeout_ms = atol(optarg); break;
        case O_LOW_SPEED: cfg.low_speed_bytes = atol(optarg); break;
        case O_LOW_SPEED_TIME: cfg.low_speed_time_s = atol(optarg); break;
        case O_MAX_REDIRECTS: cfg.max_redirects = atoi(optarg); break;
        case O_UA: cfg.user_agent = optarg; break;
        case O_RETRY_MAX: cfg.retry_after_max_s = atol(optarg); break;
        case O_PROXY: cfg.proxy = optarg; break;
        case O_CA_FILE: cfg.ca_file = optarg; break;
        case O_ETAG: r.req.etag = optarg; break;
        case O_LASTMOD: r.req.last_modified = optarg; break;
        case O_ACCEPT: r.req.accept = optarg; break;
        case O_HEADER:
            if (nheaders >= MAX_EXTRA_HEADERS) {
                usage();
                free_run(&r);
                return 2;
            }
            headers[nheaders++] = optarg;
            break;
        case O_REQ_MAX_BODY: r.req.max_body = strtoull(optarg, NULL, 10); break;
        case O_BODY_DIR: r.body_dir = optarg; break;
        case O_SEQUENTIAL: r.sequential = 1; break;
        case O_PAUSE: pause_ms = atol(optarg); break;
        case O_STATS: stats = 1; break;
        case O_DEBUG: vg_log_setup(VG_LOG_DEBUG, VG_LOG_TEXT); break;
        case O_DEADLINE: deadline_ms = atol(optarg); break;
        case O_METHOD: r.req.method = optarg; break;
        case O_DATA:
            r.req.body = optarg;
            r.req.body_len = strlen(optarg);
            break;
        case O_DATA_FILE:
            vg_free(r.data_file);
            if (!(r.data_file = vg_read_file(optarg, MAX_DATA_FILE, &r.req.body_len))) {
                perror(optarg);
                free_run(&r);
                return 2;
            }
            r.req.body = r.data_file;
            break;
        case O_CONTENT_TYPE: r.req.content_type = optarg; break;
        case O_WANT_HEADER:
            if (r.nwant >= MAX_EXTRA_HEADERS) {
                usage();
                free_run(&r);
                return 2;
            }
            want[r.nwant++] = optarg;
            break;
        case O_METHODS:
            vg_free(r.methods);
            r.nmethods = 0;
            if (!(r.methods = vg_strdup(optarg))) {
                free_run(&r);
                return 1;
            }
            for (char *save = NULL, *m = strtok_r(r.methods, ",", &save); m;
                 m = strtok_r(NULL, ",", &save))
                if (r.nmethods < MAX_EXTRA_HEADERS)
                    r.method_list[r.nmethods++] = m;
            break;
        default: usage(); free_run(&r); return 2;
        }
    }
    if (optind >= argc) {
        usage();
        free_run(&r);
        return 2;
    }
    if (nheaders)
        r.req.headers = headers;
    if (r.nwant)
        r.req.want_headers = want;

    r.urls = vg_calloc(MAX_URLS, sizeof(*r.urls));
    r.jobs = vg_calloc(MAX_URLS, sizeof(*r.jobs));
    if (!r.urls || !r.jobs) {
        free_run(&r);
        return 1;
    }
    for (int i = optind; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0) {
            if (read_stdin_urls(&r, MAX_URLS) < 0) {
                fprintf(stderr, "tool_fetch: too many URLs\n");
                free_run(&r);
                return 2;
            }
        } else if (r.nurls < MAX_URLS) {
            r.urls[r.nurls++] = vg_strdup(argv[i]);
        }
    }

    char err[256];
    r.base = event_base_new();
    r.client = r.base ? fetch_client_new(r.base, &cfg, err, sizeof(err)) : NULL;
    if (!r.client) {
        fprintf(stderr, "tool_fetch: %s\n", r.base ? err : "event_base_new failed");
        if (r.base)
            event_base_free(r.base);
        free_run(&r);
        return 1;
    }

    struct event *resume = NULL;
    if (pause_ms >= 0) {
        fetch_client_pause(r.client, 1);
        resume = evtimer_new(r.base, on_resume, &r);
        struct timeval tv = {pause_ms / 1000, (pause_ms % 1000) * 1000};
        evtimer_add(resume, &tv);
    }
    struct event *deadline = evtimer_new(r.base, on_deadline, &r);
    struct timeval dtv = {deadline_ms / 1000, (deadline_ms % 1000) * 1000};
    evtimer_add(deadline, &dtv);

    submit_all(&r);
    if (r.done < r.nurls)
        event_base_dispatch(r.base);

    if (stats)
        print_stats(&r);
    if (resume)
        event_free(resume);
    event_free(deadline);
    /* Order matters: the client (curl_multi_cleanup) before the event base. */
    fetch_client_free(r.client);
    event_base_free(r.base);
    free_run(&r);
    return r.deadline_hit ? 3 : 0;
}
