/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "input_format.h"

#include <glib.h>
#include <string.h>

enum { NO_FIELD = -1 };

struct fields_parser {
    GArray *column_field; /* per header column: enum row_field or NO_FIELD */
    GPtrArray *cells;
    GString *why;
    GString *missing;
};

struct fields_parser *fields_parser_new(void)
{
    struct fields_parser *p = g_new0(struct fields_parser, 1);
    p->column_field = g_array_new(FALSE, FALSE, sizeof(int));
    p->cells = g_ptr_array_new();
    p->why = g_string_new(NULL);
    p->missing = g_string_new(NULL);
    return p;
}

void fields_parser_free(struct fields_parser *p)
{
    if (!p)
        return;
    g_array_free(p->column_field, TRUE);
    g_ptr_array_free(p->cells, TRUE);
    g_string_free(p->why, TRUE);
    g_string_free(p->missing, TRUE);
    g_free(p);
}

static void split_cells(GPtrArray *cells, char *line)
{
    g_ptr_array_set_size(cells, 0);
    for (char *cell = line;;) {
        char *tab = strchr(cell, '\t');
        g_ptr_array_add(cells, cell);
        if (!tab)
            break;
        *tab = '\0';
        cell = tab + 1;
    }
}

static bool is_field_name(const char *s, size_t n, bool *has_dot)
{
    if (n == 0 || !g_ascii_isalpha(*s))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.')
            *has_dot = true;
        else if (!g_ascii_isalnum(s[i]) && s[i] != '_' && s[i] != '-')
            return false;
    }
    return true;
}

/*
 * A data row always holds a number in its frame.number column, so a line of
 * nothing but dotted names can only be a header.
 */
bool fields_line_is_header(const char *line)
{
    bool has_dot = false;
    for (const char *cell = line;;) {
        const char *tab = strchr(cell, '\t');
        size_t n = tab ? (size_t)(tab - cell) : strlen(cell);
        if (!is_field_name(cell, n, &has_dot))
            return false;
        if (!tab)
            return has_dot;
        cell = tab + 1;
    }
}

static int field_by_name(const char *name)
{
    for (int f = 0; f < RF_COUNT; f++) {
        if (!strcmp(name, row_field_name(f)))
            return f;
    }
    return NO_FIELD;
}

static enum line_kind parse_header(struct fields_parser *p, char *line, const char **why)
{
    bool seen[RF_COUNT] = {false};

    split_cells(p->cells, line);
    g_array_set_size(p->column_field, p->cells->len);
    for (guint i = 0; i < p->cells->len; i++) {
        int f = field_by_name(g_ptr_array_index(p->cells, i));
        /* A column asked for twice: the first one counts. */
        if (f != NO_FIELD && seen[f])
            f = NO_FIELD;
        if (f != NO_FIELD)
            seen[f] = true;
        g_array_index(p->column_field, int, i) = f;
    }

    g_string_truncate(p->why, 0);
    g_string_truncate(p->missing, 0);
    for (int f = 0; f < RF_COUNT; f++) {
        if (seen[f])
            continue;
        GString *list = row_field_required(f) ? p->why : p->missing;
        g_string_append_printf(list, "%s%s", list->len ? ", " : "", row_field_name(f));
    }
    if (p->why->len) {
        g_string_prepend(p->why, "header lacks required column ");
        g_string_append(p->why, " (add -e for it to the tshark command)");
        g_array_set_size(p->column_field, 0);
        *why = p->why->str;
        return LINE_FATAL;
    }
    return LINE_HEADER;
}

const char *fields_missing_optional(struct fields_parser *p)
{
    return p->missing->len ? p->missing->str : NULL;
}

enum line_kind fields_parse_line(struct fields_parser *p, char *line, struct flagged_row *row,
                                 const char **why)
{
    const char *reason;

    if (fields_line_is_header(line))
        return parse_header(p, line, why);
    if (p->column_field->len == 0) {
        *why = "data before a header line";
        return LINE_FATAL;
    }

    split_cells(p->cells, line);
    if (p->cells->len != p->column_field->len) {
        g_string_printf(p->why, "%u columns, the header has %u", p->cells->len,
                        p->column_field->len);
        *why = p->why->str;
        return LINE_MALFORMED;
    }
    row_clear(row);
    for (guint i = 0; i < p->cells->len; i++) {
        int f = g_array_index(p->column_field, int, i);
        const char *value = g_ptr_array_index(p->cells, i);
        if (f == NO_FIELD)
            continue;
        if (!row_set_field(row, f, value, &reason)) {
            row_explain(p->why, "column", f, value, reason);
            *why = p->why->str;
            return LINE_MALFORMED;
        }
    }
    if (!row_complete(row, why))
        return LINE_MALFORMED;
    return row->flag[0] ? LINE_ROW : LINE_NOTE;
}
