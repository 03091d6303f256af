# SPDX-License-Identifier: GPL-2.0-or-later
#
# The report's input fuzz harness (fuzz_report.c), included from
# postproc/CMakeLists.txt; tlsdiag_fuzz_harness() is in
# testdata/fuzz/harness.cmake.
#
# Always built: fuzz_report_replay, and the test report.fuzz-corpus that
# replays the seed corpus testdata/fuzz/report-corpus.
#
# With -DTLSDIAG_FUZZ=ON (clang only): fuzz_report, the libFuzzer binary:
#   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DTLSDIAG_FUZZ=ON
#   cmake --build build-fuzz --target fuzz_report
#   cp -r testdata/fuzz/report-corpus /tmp/report-corpus
#   build-fuzz/postproc/fuzz_report /tmp/report-corpus -max_len=65536 -close_fd_mask=2

# Everything but main.c: the harness stands in for it.
set(fuzz_report_sources ${REPORT_SOURCES})
list(REMOVE_ITEM fuzz_report_sources main.c)
list(TRANSFORM fuzz_report_sources PREPEND ${CMAKE_CURRENT_LIST_DIR}/../ REGEX "^[^/]")

tlsdiag_fuzz_harness(NAME fuzz_report
                     HARNESS ${CMAKE_CURRENT_LIST_DIR}/fuzz_report.c
                     SOURCES ${fuzz_report_sources}
                     INCLUDES ${CMAKE_CURRENT_LIST_DIR}/.. ${PROJECT_SOURCE_DIR}/plugin/engine
                     DEFINITIONS TLSDIAG_VERSION="${PROJECT_VERSION}"
                                 TLSDIAG_WIRESHARK_ABI="${TLSDIAG_WIRESHARK_ABI}"
                     LIBRARIES PkgConfig::JSON_GLIB
                     CORPUS ${PROJECT_SOURCE_DIR}/testdata/fuzz/report-corpus
                     TEST report.fuzz-corpus)
