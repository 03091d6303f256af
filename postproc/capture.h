/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_CAPTURE_H
#define TLSDIAG_CAPTURE_H

#include <glib.h>
#include <stdbool.h>

/*
 * What an input argument is, told by its content, not its name: a capture
 * (pcap in either byte order and resolution, pcapng, or either gzip'd),
 * for tshark to read; a folder of them; or anything else, which the
 * report reads as tshark output and judges line by line.
 */
enum input_kind { INPUT_TSHARK_OUTPUT, INPUT_CAPTURE, INPUT_FOLDER, INPUT_UNREADABLE };

/*
 * On INPUT_UNREADABLE, *error says why (free it). "-", pipes and devices are
 * tshark output: their bytes can be read once only.
 */
enum input_kind input_kind_of(const char *path, char **error);

/*
 * The captures under a folder, recursively, in name order (symbolic links
 * to folders are not followed, so a loop cannot hold the report). Other
 * files are skipped. Appends newly allocated paths; false with *error when
 * a folder cannot be read.
 */
bool captures_in_folder(const char *folder, GPtrArray *paths, char **error);

#endif
