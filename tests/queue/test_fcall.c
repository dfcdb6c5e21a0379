/* A call of a Redis function whose counts do not match the function's layout in
 * queue_contract.h is refused before it is sent; a matching one gets its head. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "queue/queue_fcall.h"

static void matching_counts_get_the_head(void **state)
{
    (void)state;
    const char *argv[QUEUE_FCALL_HEAD + 4 + 6] = {0};
    assert_int_equal(queue_fcall_argv(QUEUE_FN_DEAD_LETTER, argv, 4, 6), QUEUE_FCALL_HEAD + 10);
    assert_string_equal(argv[0], "FCALL");
    assert_string_equal(argv[1], "vigie_dead_letter");
    assert_string_equal(argv[2], "4");
    /* A function whose arguments may go on takes more than its fixed ones. */
    const char *more[QUEUE_FCALL_HEAD + 3 + 20] = {0};
    assert_int_equal(queue_fcall_argv(QUEUE_FN_CLAIM, more, 3, 20), QUEUE_FCALL_HEAD + 23);
    assert_string_equal(more[1], "vigie_claim");
    assert_string_equal(more[2], "3");
}

static void wrong_counts_are_refused(void **state)
{
    (void)state;
    const char *argv[32] = {0};
    assert_int_equal(queue_fcall_argv(QUEUE_FN_DEAD_LETTER, argv, 3, 7), -1);  /* a key taken for an argument */
    assert_int_equal(queue_fcall_argv(QUEUE_FN_DEAD_LETTER, argv, 4, 5), -1);  /* one argument short */
    assert_int_equal(queue_fcall_argv(QUEUE_FN_DEAD_LETTER, argv, 4, 7), -1);  /* one too many */
    assert_int_equal(queue_fcall_argv(QUEUE_FN_CLAIM, argv, 3, 4), -1);        /* fewer than the fixed ones */
    assert_int_equal(queue_fcall_argv(QUEUE_FN_FIGURES, argv, 1, 1), -1);
    assert_int_equal(queue_fcall_argv(QUEUE_FN_COUNT, argv, 0, 0), -1);
    assert_null(argv[0]); /* nothing written for a refused call */
}

static void every_function_has_a_layout(void **state)
{
    (void)state;
    for (int i = 0; i < QUEUE_FN_COUNT; i++) {
        const struct queue_fn_layout *l = &queue_fn_layouts[i];
        assert_non_null(l->name);
        assert_int_equal(strncmp(l->name, "vigie_", 6), 0);
        char n[16];
        snprintf(n, sizeof(n), "%u", l->nkeys);
        assert_string_equal(l->nkeys_str, n);
        for (int k = 0; k < i; k++)
            assert_string_not_equal(queue_fn_layouts[k].name, l->name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matching_counts_get_the_head),
        cmocka_unit_test(wrong_counts_are_refused),
        cmocka_unit_test(every_function_has_a_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
