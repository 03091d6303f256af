/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "input_format.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "json_guard.h"

struct ek_parser {
    JsonParser *json;
    GHashTable *field_by_key; /* ek member name -> enum row_field + 1 */
    const char *value[RF_COUNT];
    char scalar[RF_COUNT][40]; /* numbers and booleans rendered as tshark prints them */
    bool seen[RF_COUNT];
    GString *why;
};

/*
 * With -e, ek names a field by its abbreviation with dots as underscores
 * ("tcp_stream"); a full dissection prefixes the protocol
 * ("tcp_tcp_stream") and groups members by protocol. Accept both.
 */
struct ek_parser *ek_parser_new(void)
{
    struct ek_parser *p = g_new0(struct ek_parser, 1);
    p->json = json_parser_new_immutable();
    p->field_by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    p->why = g_string_new(NULL);
    for (int f = 0; f < RF_COUNT; f++) {
        char *flat = g_strdelimit(g_strdup(row_field_name(f)), ".", '_');
        char *proto = g_strndup(flat, strcspn(flat, "_"));
        g_hash_table_insert(p->field_by_key, g_strdup_printf("%s_%s", proto, flat),
                            GINT_TO_POINTER(f + 1));
        g_hash_table_insert(p->field_by_key, flat, GINT_TO_POINTER(f + 1));
        g_free(proto);
    }
    return p;
}

void ek_parser_free(struct ek_parser *p)
{
    if (!p)
        return;
    g_object_unref(p->json);
    g_hash_table_destroy(p->field_by_key);
    g_string_free(p->why, TRUE);
    g_free(p);
}

const char *ek_never_seen_required(const struct ek_parser *p)
{
    for (int f = 0; f < RF_COUNT; f++) {
        if (row_field_required(f) && !p->seen[f])
            return row_field_name(f);
    }
    return NULL;
}

static void take_scalar(struct ek_parser *p, int f, JsonNode *node)
{
    if (JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray *array = json_node_get_array(node);
        if (json_array_get_length(array) == 0)
            return;
        node = json_array_get_element(array, 0);
    }
    if (!JSON_NODE_HOLDS_VALUE(node))
        return;
    switch (json_node_get_value_type(node)) {
        case G_TYPE_STRING:
            p->value[f] = json_node_get_string(node);
            break;
        case G_TYPE_BOOLEAN:
            p->value[f] = json_node_get_boolean(node) ? "1" : "0";
            break;
        case G_TYPE_INT64:
            g_snprintf(p->scalar[f], sizeof p->scalar[f], "%" G_GINT64_FORMAT,
                       json_node_get_int(node));
            p->value[f] = p->scalar[f];
            break;
        case G_TYPE_DOUBLE:
            g_ascii_formatd(p->scalar[f], sizeof p->scalar[f], "%.9f", json_node_get_double(node));
            p->value[f] = p->scalar[f];
            break;
        default:
            break;
    }
}

static void collect(struct ek_parser *p, JsonObject *object);

static void collect_node(struct ek_parser *p, JsonNode *node)
{
    if (JSON_NODE_HOLDS_OBJECT(node)) {
        collect(p, json_node_get_object(node));
    } else if (JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray *array = json_node_get_array(node);
        for (guint i = 0; i < json_array_get_length(array); i++)
            collect_node(p, json_array_get_element(array, i));
    }
}

/* First occurrence wins, as with -T fields -E occurrence=f. */
static void collect(struct ek_parser *p, JsonObject *object)
{
    JsonObjectIter iter;
    const char *name;
    JsonNode *node;

    json_object_iter_init(&iter, object);
    while (json_object_iter_next(&iter, &name, &node)) {
        int f = GPOINTER_TO_INT(g_hash_table_lookup(p->field_by_key, name)) - 1;
        if (f < 0)
            collect_node(p, node);
        else if (!p->value[f])
            take_scalar(p, f, node);
    }
}

enum line_kind ek_parse_line(struct ek_parser *p, const char *line, size_t len,
                             struct flagged_row *row, const char **why)
{
    GError *error = NULL;
    const char *reason;

    if (!json_nesting_ok(line, len)) {
        *why = "JSON nested too deeply";
        return LINE_MALFORMED;
    }
    if (!json_parser_load_from_data(p->json, line, (gssize)len, &error)) {
        g_string_printf(p->why, "not JSON: %s", error->message);
        g_error_free(error);
        *why = p->why->str;
        return LINE_MALFORMED;
    }
    JsonNode *root = json_parser_get_root(p->json);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        *why = "not a JSON object";
        return LINE_MALFORMED;
    }
    JsonObject *doc = json_node_get_object(root);
    if (json_object_has_member(doc, "index"))
        return LINE_IGNORED;
    JsonNode *layers = json_object_get_member(doc, "layers");
    if (!layers || !JSON_NODE_HOLDS_OBJECT(layers)) {
        *why = "not a tshark ek record (no \"layers\" object)";
        return LINE_MALFORMED;
    }

    memset(p->value, 0, sizeof p->value);
    collect(p, json_node_get_object(layers));
    row_clear(row);
    for (int f = 0; f < RF_COUNT; f++) {
        if (!p->value[f])
            continue;
        p->seen[f] = true;
        if (!row_set_field(row, f, p->value[f], &reason)) {
            row_explain(p->why, "field", f, p->value[f], reason);
            *why = p->why->str;
            return LINE_MALFORMED;
        }
    }
    if (!row_complete(row, why))
        return LINE_MALFORMED;
    return row->flag[0] ? LINE_ROW : LINE_NOTE;
}
