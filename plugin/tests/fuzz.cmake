# SPDX-License-Identifier: GPL-2.0-or-later
#
# The engine's fuzz harness (fuzz_engine.c), included from
# plugin/tests/CMakeLists.txt.
#
# Always built: fuzz_engine_replay, the harness with a plain main that runs
# it once over files and directories, and the test engine.fuzz-corpus that
# replays the seed corpus testdata/fuzz/engine-corpus (with the sanitizers
# when the build has them).
#
# With -DTLSDIAG_FUZZ=ON (clang only): fuzz_engine, the libFuzzer binary.
# The engine's sources are compiled into it again, instrumented for coverage:
#   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DTLSDIAG_FUZZ=ON
#   cmake --build build-fuzz --target fuzz_engine
#   cp -r testdata/fuzz/engine-corpus /tmp/corpus
#   build-fuzz/plugin/tests/fuzz_engine /tmp/corpus -max_len=4096 -max_total_time=600

option(TLSDIAG_FUZZ "Build the libFuzzer harness of the engine (needs clang)" OFF)

add_executable(fuzz_engine_replay ${CMAKE_CURRENT_LIST_DIR}/fuzz_engine.c)
target_compile_definitions(fuzz_engine_replay PRIVATE TLSDIAG_FUZZ_REPLAY)
target_link_libraries(fuzz_engine_replay PRIVATE tlsdiag_engine)
add_test(NAME engine.fuzz-corpus
         COMMAND fuzz_engine_replay ${PROJECT_SOURCE_DIR}/testdata/fuzz/engine-corpus)

if(TLSDIAG_FUZZ)
    if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
        message(FATAL_ERROR "TLSDIAG_FUZZ needs clang (libFuzzer): "
                            "configure with -DCMAKE_C_COMPILER=clang")
    endif()
    get_target_property(fuzz_engine_dir tlsdiag_engine SOURCE_DIR)
    get_target_property(fuzz_engine_relative_sources tlsdiag_engine SOURCES)
    set(fuzz_engine_sources)
    foreach(source IN LISTS fuzz_engine_relative_sources)
        if(NOT IS_ABSOLUTE "${source}")
            set(source "${fuzz_engine_dir}/${source}")
        endif()
        list(APPEND fuzz_engine_sources "${source}")
    endforeach()

    add_executable(fuzz_engine ${CMAKE_CURRENT_LIST_DIR}/fuzz_engine.c ${fuzz_engine_sources})
    target_include_directories(fuzz_engine PRIVATE ${fuzz_engine_dir})
    target_link_libraries(fuzz_engine PRIVATE PkgConfig::GLIB)
    target_compile_options(fuzz_engine PRIVATE -g -fsanitize=fuzzer,address,undefined
                           -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(fuzz_engine PRIVATE -fsanitize=fuzzer,address,undefined)
endif()
