# SPDX-License-Identifier: GPL-2.0-or-later
#
# The report's input fuzz harness (fuzz_report.c), included from
# postproc/CMakeLists.txt.
#
# Always built: fuzz_report_replay, the harness with a plain main that runs
# it once over files and directories, and the test report.fuzz-corpus that
# replays the seed corpus testdata/fuzz/report-corpus (with the sanitizers
# when the build has them).
#
# With -DTLSDIAG_FUZZ=ON (clang only): fuzz_report, the libFuzzer binary:
#   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DTLSDIAG_FUZZ=ON
#   cmake --build build-fuzz --target fuzz_report
#   cp -r testdata/fuzz/report-corpus /tmp/report-corpus
#   build-fuzz/postproc/fuzz_report /tmp/report-corpus -max_len=65536 -close_fd_mask=2

# Everything but main.c: the harness stands in for it.
set(fuzz_report_sources ${REPORT_SOURCES})
list(REMOVE_ITEM fuzz_report_sources main.c)
list(TRANSFORM fuzz_report_sources PREPEND ${CMAKE_CURRENT_LIST_DIR}/../)

add_executable(fuzz_report_replay ${CMAKE_CURRENT_LIST_DIR}/fuzz_report.c ${fuzz_report_sources})
target_compile_definitions(fuzz_report_replay PRIVATE TLSDIAG_FUZZ_REPLAY
                           TLSDIAG_VERSION="${PROJECT_VERSION}")
target_include_directories(fuzz_report_replay PRIVATE ${CMAKE_CURRENT_LIST_DIR}/..)
target_link_libraries(fuzz_report_replay PRIVATE PkgConfig::JSON_GLIB PkgConfig::GLIB)
add_test(NAME report.fuzz-corpus
         COMMAND fuzz_report_replay ${PROJECT_SOURCE_DIR}/testdata/fuzz/report-corpus)

if(TLSDIAG_FUZZ)
    if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
        message(FATAL_ERROR "TLSDIAG_FUZZ needs clang (libFuzzer): "
                            "configure with -DCMAKE_C_COMPILER=clang")
    endif()
    add_executable(fuzz_report ${CMAKE_CURRENT_LIST_DIR}/fuzz_report.c ${fuzz_report_sources})
    target_compile_definitions(fuzz_report PRIVATE TLSDIAG_VERSION="${PROJECT_VERSION}")
    target_include_directories(fuzz_report PRIVATE ${CMAKE_CURRENT_LIST_DIR}/..)
    target_link_libraries(fuzz_report PRIVATE PkgConfig::JSON_GLIB PkgConfig::GLIB)
    target_compile_options(fuzz_report PRIVATE -g -fsanitize=fuzzer,address,undefined
                           -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(fuzz_report PRIVATE -fsanitize=fuzzer,address,undefined)
endif()
