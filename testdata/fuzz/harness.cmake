# SPDX-License-Identifier: GPL-2.0-or-later
#
# tlsdiag_fuzz_harness(): a libFuzzer harness built the two ways every harness
# here is built. Included from the top-level CMakeLists.txt.
#
#   tlsdiag_fuzz_harness(NAME name HARNESS file.c CORPUS dir TEST test-name
#                        [SOURCES ...] [INCLUDES ...] [DEFINITIONS ...]
#                        [LIBRARIES ...])
#
# Always: NAME_replay, the harness with testdata/fuzz/replay_main.c as its
# main, and the test TEST that replays the seed corpus CORPUS with it (under
# the sanitizers when the build has them).
#
# With -DTLSDIAG_FUZZ=ON (clang only): NAME, the libFuzzer binary, with ASan
# and UBSan. SOURCES, the code under test, are compiled into both rather than
# linked from a library, so that libFuzzer's coverage instrumentation sees them.

option(TLSDIAG_FUZZ "Build the libFuzzer harnesses (needs clang)" OFF)
if(TLSDIAG_FUZZ AND NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "TLSDIAG_FUZZ needs clang (libFuzzer): "
                        "configure with -DCMAKE_C_COMPILER=clang")
endif()

set(TLSDIAG_FUZZ_REPLAY_MAIN ${CMAKE_CURRENT_LIST_DIR}/replay_main.c)

function(tlsdiag_fuzz_harness)
    cmake_parse_arguments(PARSE_ARGV 0 fuzz "" "NAME;HARNESS;CORPUS;TEST"
                          "SOURCES;INCLUDES;DEFINITIONS;LIBRARIES")
    foreach(required NAME HARNESS CORPUS TEST)
        if(NOT fuzz_${required})
            message(FATAL_ERROR "tlsdiag_fuzz_harness: ${required} missing")
        endif()
    endforeach()

    set(replay ${fuzz_NAME}_replay)
    add_executable(${replay} ${fuzz_HARNESS} ${TLSDIAG_FUZZ_REPLAY_MAIN} ${fuzz_SOURCES})
    target_compile_definitions(${replay} PRIVATE ${fuzz_DEFINITIONS})
    target_include_directories(${replay} PRIVATE ${fuzz_INCLUDES})
    target_link_libraries(${replay} PRIVATE ${fuzz_LIBRARIES} PkgConfig::GLIB)
    add_test(NAME ${fuzz_TEST} COMMAND ${replay} ${fuzz_CORPUS})

    if(TLSDIAG_FUZZ)
        add_executable(${fuzz_NAME} ${fuzz_HARNESS} ${fuzz_SOURCES})
        target_compile_definitions(${fuzz_NAME} PRIVATE ${fuzz_DEFINITIONS})
        target_include_directories(${fuzz_NAME} PRIVATE ${fuzz_INCLUDES})
        target_link_libraries(${fuzz_NAME} PRIVATE ${fuzz_LIBRARIES} PkgConfig::GLIB)
        target_compile_options(${fuzz_NAME} PRIVATE -g -fsanitize=fuzzer,address,undefined
                               -fno-sanitize-recover=all -fno-omit-frame-pointer)
        target_link_options(${fuzz_NAME} PRIVATE -fsanitize=fuzzer,address,undefined)
    endif()
endfunction()
