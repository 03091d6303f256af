/* test_vocabulary.c
 * The vocabulary read back, as tlsdiag-report does: every word maps to its
 * value and only to it, and words it does not know map to none.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <glib.h>

#include "engine/vocabulary.h"

static void test_names_round_trip(void)
{
    for (unsigned f = TLSDIAG_FLAG_NONE + 1; f < TLSDIAG_FLAG_COUNT; f++) {
        g_assert_cmpstr(tlsdiag_flag_name(f), !=, "");
        g_assert_cmpuint(tlsdiag_flag_from_name(tlsdiag_flag_name(f)), ==, f);
    }
    for (unsigned s = TLSDIAG_STAGE_NONE + 1; s < TLSDIAG_STAGE_COUNT; s++)
        g_assert_cmpuint(tlsdiag_stage_from_name(tlsdiag_stage_name(s)), ==, s);
    for (unsigned s = TLSDIAG_SIDE_NONE + 1; s < TLSDIAG_SIDE_COUNT; s++)
        g_assert_cmpuint(tlsdiag_side_from_name(tlsdiag_side_name(s)), ==, s);
    for (unsigned r = TLSDIAG_RESUMPTION_NONE + 1; r < TLSDIAG_RESUMPTION_COUNT; r++)
        g_assert_cmpuint(tlsdiag_resumption_from_name(tlsdiag_resumption_name(r)), ==, r);
}

static void test_unknown_words(void)
{
    g_assert_cmpuint(tlsdiag_flag_from_name(""), ==, TLSDIAG_FLAG_NONE);
    g_assert_cmpuint(tlsdiag_flag_from_name("a_flag_of_a_newer_plugin"), ==, TLSDIAG_FLAG_NONE);
    g_assert_cmpuint(tlsdiag_flag_from_name("Handshake_Aborted"), ==, TLSDIAG_FLAG_NONE);
    g_assert_cmpuint(tlsdiag_stage_from_name("client_hello "), ==, TLSDIAG_STAGE_NONE);
    g_assert_cmpuint(tlsdiag_side_from_name("FIN"), ==, TLSDIAG_SIDE_NONE);
    g_assert_cmpuint(tlsdiag_resumption_from_name("session"), ==, TLSDIAG_RESUMPTION_NONE);
}

static void test_retry_flags(void)
{
    g_assert_true(tlsdiag_flag_is_retry(TLSDIAG_FLAG_VERSION_FALLBACK));
    g_assert_true(tlsdiag_flag_is_retry(TLSDIAG_FLAG_RETRY_AFTER_FAILURE));
    g_assert_true(tlsdiag_flag_is_retry(TLSDIAG_FLAG_FALLBACK_SCSV));
    g_assert_false(tlsdiag_flag_is_retry(TLSDIAG_FLAG_FALLBACK_REJECTED));
    g_assert_false(tlsdiag_flag_is_retry(TLSDIAG_FLAG_HANDSHAKE_ABORTED));
    g_assert_false(tlsdiag_flag_is_retry(TLSDIAG_FLAG_NONE));
}

static void test_steps_and_phrases(void)
{
    g_assert_cmpstr(tlsdiag_step_name(TLSDIAG_STAGE_SERVER_HELLO), ==, "ServerHello");
    g_assert_cmpstr(tlsdiag_step_name(TLSDIAG_STAGE_ESTABLISHED), ==, "completion");
    g_assert_cmpstr(tlsdiag_step_name(TLSDIAG_STAGE_CLIENT_HELLO), ==, "");
    g_assert_cmpstr(tlsdiag_step_name(TLSDIAG_STAGE_COUNT), ==, "");
    g_assert_cmpstr(tlsdiag_stage_phrase_unversioned(TLSDIAG_STAGE_SERVER_FLIGHT), ==,
                    "after the server's certificate flight");
    g_assert_cmpstr(tlsdiag_stage_phrase_unversioned(TLSDIAG_STAGE_NONE), ==, "");
}

static void test_awaited(void)
{
    /* The side of a stall is who owes the next message. */
    g_assert_cmpstr(tlsdiag_awaited_phrase(TLSDIAG_SIDE_CLIENT, TLSDIAG_STAGE_SERVER_FLIGHT), ==,
                    "the client's key exchange");
    g_assert_cmpstr(tlsdiag_awaited_phrase(TLSDIAG_SIDE_SERVER, TLSDIAG_STAGE_CLIENT_HELLO), ==,
                    "the ServerHello");
    g_assert_cmpstr(tlsdiag_awaited_phrase(TLSDIAG_SIDE_SERVER, TLSDIAG_STAGE_SERVER_HELLO), ==,
                    "the server's flight");
    g_assert_cmpstr(tlsdiag_awaited_phrase(TLSDIAG_SIDE_SERVER, TLSDIAG_STAGE_CLIENT_FLIGHT), ==,
                    "the server's confirmation");
    g_assert_cmpstr(tlsdiag_awaited_phrase(TLSDIAG_SIDE_NONE, TLSDIAG_STAGE_NONE), ==,
                    "the next handshake message");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vocabulary/round-trip", test_names_round_trip);
    g_test_add_func("/vocabulary/unknown-words", test_unknown_words);
    g_test_add_func("/vocabulary/retry-flags", test_retry_flags);
    g_test_add_func("/vocabulary/steps-and-phrases", test_steps_and_phrases);
    g_test_add_func("/vocabulary/awaited", test_awaited);
    return g_test_run();
}
