# SPDX-License-Identifier: GPL-2.0-or-later
#
# The engine's fuzz harness (fuzz_engine.c), included from
# plugin/tests/CMakeLists.txt; tlsdiag_fuzz_harness() is in
# testdata/fuzz/harness.cmake.
#
# Always built: fuzz_engine_replay, and the test engine.fuzz-corpus that
# replays the seed corpus testdata/fuzz/engine-corpus.
#
# With -DTLSDIAG_FUZZ=ON (clang only): fuzz_engine, the libFuzzer binary:
#   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DTLSDIAG_FUZZ=ON
#   cmake --build build-fuzz --target fuzz_engine
#   cp -r testdata/fuzz/engine-corpus /tmp/corpus
#   build-fuzz/plugin/tests/fuzz_engine /tmp/corpus -max_len=4096 -max_total_time=600

get_target_property(fuzz_engine_dir tlsdiag_engine SOURCE_DIR)
get_target_property(fuzz_engine_sources tlsdiag_engine SOURCES)
list(TRANSFORM fuzz_engine_sources PREPEND ${fuzz_engine_dir}/)

tlsdiag_fuzz_harness(NAME fuzz_engine
                     HARNESS ${CMAKE_CURRENT_LIST_DIR}/fuzz_engine.c
                     SOURCES ${fuzz_engine_sources}
                     INCLUDES ${fuzz_engine_dir}
                     LIBRARIES PkgConfig::GNUTLS
                     CORPUS ${PROJECT_SOURCE_DIR}/testdata/fuzz/engine-corpus
                     TEST engine.fuzz-corpus)

# The certificate module alone (fuzz_certificate.c): DER chains of any shape.
tlsdiag_fuzz_harness(NAME fuzz_certificate
                     HARNESS ${CMAKE_CURRENT_LIST_DIR}/fuzz_certificate.c
                     SOURCES ${fuzz_engine_sources}
                     INCLUDES ${fuzz_engine_dir}
                     LIBRARIES PkgConfig::GNUTLS
                     CORPUS ${PROJECT_SOURCE_DIR}/testdata/fuzz/certificate-corpus
                     TEST engine.fuzz-certificate-corpus)
