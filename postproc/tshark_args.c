/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tshark_args.h"

#include <stdio.h>

#include "row.h"

void tshark_args_append(GPtrArray *args)
{
    /* -2: only a second pass knows the handshakes the capture ended, and the
     * links to later frames. -n: the report reads no resolved name. */
    static const char *const options[] = {"-n", "-2",           "-Y", "tlsdiag",
                                          "-T", "fields",       "-E", "header=y",
                                          "-E", "separator=/t", "-E", "occurrence=f"};
    for (size_t i = 0; i < G_N_ELEMENTS(options); i++)
        g_ptr_array_add(args, (gpointer)options[i]);
    for (int f = 0; f < RF_COUNT; f++) {
        g_ptr_array_add(args, "-e");
        g_ptr_array_add(args, (gpointer)row_field_name(f));
    }
}

void tshark_args_print(FILE *out)
{
    GPtrArray *args = g_ptr_array_new();
    tshark_args_append(args);
    for (guint i = 0; i < args->len; i++)
        fprintf(out, "%s%s", i ? " " : "", (const char *)g_ptr_array_index(args, i));
    fputc('\n', out);
    g_ptr_array_free(args, TRUE);
}
