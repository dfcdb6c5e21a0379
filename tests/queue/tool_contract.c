/* tool_contract — prints what queue_contract.h and the embedded function library say, for
 * tests/queue/test_contract.py to hold a real redis-server to it.
 *
 *   tool_contract library      the function library as vigie loads it
 *   tool_contract count-keys   the key-counting script of the daemon's status
 *   tool_contract functions    per function: name, KEYS, fixed ARGV, 1 when more may follow
 *   tool_contract keys         every key name (after the prefix) the header names
 *   tool_contract source-keys  how each key of a source goes when it is removed
 *   tool_contract series-fields  per line "json<TAB>dedup<TAB>cluster" of stdin, the series
 *                              fields vigie_stage_write is sent ("t<TAB>prio<TAB>score"), or
 *                              "-" when the record is left to the Lua reading */
#include <stdio.h>
#include <string.h>

#include "queue/queue_contract.h"
#include "queue/queue_lua.h"
#include "queue/queue_series_fields.h"

int main(int argc, char **argv)
{
    const char *what = argc == 2 ? argv[1] : "";
    if (strcmp(what, "library") == 0) {
        fputs(queue_lua_library, stdout);
    } else if (strcmp(what, "count-keys") == 0) {
        fputs(queue_lua_count_keys, stdout);
    } else if (strcmp(what, "functions") == 0) {
#define FN_(id, name, nkeys, nargs, more) printf("%s %d %d %d\n", name, nkeys, nargs, more);
        QUEUE_FUNCTIONS(FN_)
#undef FN_
    } else if (strcmp(what, "keys") == 0) {
        static const char *const keys[] = {
            QUEUE_STREAM_ITEMS, QUEUE_STREAM_SIGNALS, QUEUE_STREAM_CONTACTS, QUEUE_STREAM_DLQ,
            QUEUE_KEY_SOURCE, QUEUE_KEY_SOURCES, QUEUE_KEY_DUE, QUEUE_KEY_FAILING, QUEUE_KEY_POLL_CARDS,
            QUEUE_KEY_LAST_ATTEMPT, QUEUE_KEY_LAST_OK, QUEUE_KEY_LEASE_OWNERS, QUEUE_KEY_ACCOUNTS, QUEUE_KEY_ACCOUNTS_VERSION,
            QUEUE_KEY_SEEN_URL, QUEUE_KEY_SEEN_URL_PART, QUEUE_KEY_SEEN_FP, QUEUE_KEY_SEEN_FP_PART, QUEUE_KEY_OUT,
            QUEUE_KEY_STORY, QUEUE_KEY_STORIES, QUEUE_KEY_TRIMMED, QUEUE_KEY_DLQ_DROPPED,
            QUEUE_KEY_ERRORS, QUEUE_KEY_TAKEN, QUEUE_STREAM_REPLAY, QUEUE_KEY_BUDGET, QUEUE_KEY_MARK, QUEUE_KEY_TALLY,
            QUEUE_KEY_ACCOUNTS_SYNCED, QUEUE_KEY_LEASE_ACCOUNTS_SYNC,
            QUEUE_STREAM_ALERTS, QUEUE_KEY_AGROUP, QUEUE_KEY_AGROUPS_DUE, QUEUE_KEY_ALERTED, QUEUE_KEY_ALERTMSG,
            QUEUE_KEY_INHIBIT, QUEUE_KEY_ALERTCAP, QUEUE_KEY_DIGEST, QUEUE_KEY_DIGEST_DUE, QUEUE_KEY_DIGEST_SENT,
            QUEUE_KEY_SILENCES,
            QUEUE_KEY_SERIES_WEEKS, QUEUE_KEY_SERIES_IDS, QUEUE_KEY_SERIES_HEAT, QUEUE_KEY_SERIES_STREAM,
            QUEUE_KEY_SERIES_SINCE,
        };
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
            puts(keys[i]);
    } else if (strcmp(what, "source-keys") == 0) {
#define SK_(how, key) printf("%s %s\n", how, key);
        QUEUE_SOURCE_KEYS(SK_)
#undef SK_
    } else if (strcmp(what, "series-fields") == 0) {
        static char line[65536];
        while (fgets(line, sizeof(line), stdin)) {
            line[strcspn(line, "\n")] = '\0';
            char *dedup = strchr(line, '\t'), *cluster = dedup ? strchr(dedup + 1, '\t') : NULL;
            if (!cluster)
                return 2;
            *dedup++ = '\0';
            *cluster++ = '\0';
            struct queue_series_fields f;
            if (queue_series_fields_read(line, dedup, cluster, &f) == 0)
                printf("%s\t%s\t%s\n", f.t, f.prio, f.score);
            else
                puts("-");
        }
    } else {
        fprintf(stderr, "usage: tool_contract library|count-keys|functions|keys|source-keys|series-fields\n");
        return 2;
    }
    return 0;
}
