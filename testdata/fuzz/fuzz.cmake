# SPDX-License-Identifier: GPL-2.0-or-later
#
# fuzz.captures: a bounded, reproducible run of fuzz-captures.sh in the
# sanitizer build only (the plugin must be built with ASan and UBSan for the
# run to see more than crashes). Included from testdata/CMakeLists.txt.
#
# Fixed seed, lab captures only (not ../shared, which CI may lack), so every
# machine runs the same mutants; the results (log.tsv, findings with what
# replays them) land in the build tree. tshark 4.0's own assertion on some
# mutants (packet-tls.c:2513) is tshark's, not ours: --allow-tshark-findings.
# The test fails when tlsdiag has a finding.

set(TLSDIAG_FUZZ_CASES 120 CACHE STRING "Cases of the fuzz.captures test (sanitizer build)")
set(TLSDIAG_FUZZ_SEED 1 CACHE STRING "Campaign seed of the fuzz.captures test")

if(TLSDIAG_SANITIZE)
    set(fuzz_results ${CMAKE_CURRENT_BINARY_DIR}/fuzz-results)
    # Findings of an earlier run must not be mistaken for this one's.
    add_test(NAME fuzz.captures-clean COMMAND ${CMAKE_COMMAND} -E rm -rf ${fuzz_results})
    set_tests_properties(fuzz.captures-clean PROPERTIES FIXTURES_SETUP fuzz_results)
    add_test(NAME fuzz.captures
             COMMAND ${CMAKE_CURRENT_LIST_DIR}/fuzz-captures.sh
                     --tshark ${CMAKE_BINARY_DIR}/tlsdiag-tshark
                     --seed ${TLSDIAG_FUZZ_SEED} --cases ${TLSDIAG_FUZZ_CASES} --jobs 2
                     --shared ${CMAKE_CURRENT_BINARY_DIR}/no-shared-captures
                     --results ${fuzz_results} --allow-tshark-findings)
    # Not the sanitizer_env of the other tests: the script preloads the
    # sanitizer runtime into tshark only (editcap hangs with it).
    set_tests_properties(fuzz.captures PROPERTIES TIMEOUT 1200 PROCESSORS 2
                         FIXTURES_REQUIRED fuzz_results
                         ENVIRONMENT "WIRESHARK_EXTCAP_DIR=${CMAKE_CURRENT_BINARY_DIR}/no-extcap")
endif()
