/* plugin.c
 * Plugin entry points: the symbols Wireshark looks for when it loads
 * tlsdiag.so from a plugin directory.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define WS_BUILD_DLL

#include <wireshark.h>
#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/tap.h>

#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 2)
#include <wsutil/plugins.h>
#endif

#include "packet-tlsdiag.h"
#include "stats_tlsdiag.h"

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = TLSDIAG_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 2)
WS_DLL_PUBLIC uint32_t plugin_describe(void);

uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR | WS_PLUGIN_DESC_TAP_LISTENER;
}
#endif

void plugin_register(void)
{
    static proto_plugin plugin_tlsdiag;
    /* Wireshark registers tap listeners after every protocol and tap
     * exists: the statistics tree registers there. */
    static tap_plugin stats_tlsdiag;

    plugin_tlsdiag.register_protoinfo = proto_register_tlsdiag;
    plugin_tlsdiag.register_handoff = proto_reg_handoff_tlsdiag;
    proto_register_plugin(&plugin_tlsdiag);

    stats_tlsdiag.register_tap_listener = register_tlsdiag_stats_tree;
    tap_register_plugin(&stats_tlsdiag);
}
