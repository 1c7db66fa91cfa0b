# The fuzz targets of tests/fuzz/ (docs/FUZZING.md), with -DLEDGER_FUZZ=ON.
# Included from CMakeLists.txt before the libraries are defined: with clang it
# instruments the whole build (every library the targets link must carry the
# coverage instrumentation), so use a build directory of its own, as
# `tools/fuzz` does (build-fuzz/, build-fuzz/gcc/).
#
# For each tests/fuzz/<t>_fuzzer.cc:
#   <t>_fuzzer      libFuzzer binary (clang only): -fsanitize=fuzzer,address,undefined
#   <t>_standalone  the regression driver tests/fuzz/standalone_main.cc, which
#                   runs each input given once (clang: ASan + UBSan; g++: with
#                   ASan + UBSan when LEDGER_SANITIZE is ON)
# plus make_record_seeds (tests/fuzz/make_record_seeds.cc, `tools/fuzz seeds`)
# and the target `fuzzers` that builds them all.
#
# The libraries a target links follow from its #include lines: a header under
# tools/cli/ links cli_lib, one under <folder>/ (util, merkle, checkpoints,
# ledger, projections, workload, ingest, query, audit) links that folder's
# library, whose own dependencies come with it. Nothing to list by hand: a
# target that includes a new header links the new library after the next
# configure (the targets' sources are configure dependencies).
option(LEDGER_FUZZ "Build the fuzz targets of tests/fuzz (instruments the whole build with clang)" OFF)

if(LEDGER_FUZZ)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    set(LEDGER_FUZZ_LIBFUZZER ON)
    # Coverage for libFuzzer in every object; ASan + UBSan everywhere, as a
    # LEDGER_SANITIZE build has them (duplicates are harmless).
    add_compile_options(-fsanitize=fuzzer-no-link -fsanitize=address,undefined
                        -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
  else()
    set(LEDGER_FUZZ_LIBFUZZER OFF)
    if(NOT LEDGER_SANITIZE)
      message(STATUS "LEDGER_FUZZ with ${CMAKE_CXX_COMPILER_ID}: standalone drivers only, "
                     "without sanitizers (add -DLEDGER_SANITIZE=ON for ASan + UBSan)")
    endif()
  endif()
  # The sanitizers bring their own malloc (the programs' tcmalloc would clash).
  # A normal variable wins over the option() of CMakeLists.txt (CMP0077).
  set(LEDGER_TCMALLOC OFF)

  # The libraries of the headers that SRC includes, in OUT_VAR.
  function(ledger_fuzz_libraries src out_var)
    file(STRINGS ${src} includes REGEX "^#include \"[^\"]+\"")
    set(libs enforcement_proto)
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" header "${line}")
      if(header MATCHES "^tools/cli/")
        list(APPEND libs cli_lib)
      elseif(header MATCHES "^(util|merkle|checkpoints|ledger|projections|workload|ingest|query|audit)/")
        list(APPEND libs ${CMAKE_MATCH_1}_lib)
      endif()
    endforeach()
    list(REMOVE_DUPLICATES libs)
    foreach(lib IN LISTS libs)
      if(NOT TARGET ${lib})
        message(FATAL_ERROR "${src} includes a header of ${lib}, which is no library")
      endif()
    endforeach()
    set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${src})
    set(${out_var} ${libs} PARENT_SCOPE)
  endfunction()

  # Defined at the end of CMakeLists.txt, once every library exists.
  function(ledger_fuzz_targets)
    set(dir ${CMAKE_SOURCE_DIR}/tests/fuzz)
    file(GLOB fuzzers CONFIGURE_DEPENDS ${dir}/*_fuzzer.cc)
    add_custom_target(fuzzers)
    add_library(fuzz_standalone_main OBJECT ${dir}/standalone_main.cc)
    foreach(src IN LISTS fuzzers)
      get_filename_component(file ${src} NAME)
      string(REGEX REPLACE "_fuzzer\\.cc$" "" t ${file})
      ledger_fuzz_libraries(${src} libs)
      # The target's object, shared by its two binaries.
      add_library(${t}_fuzz_target OBJECT ${src})
      target_include_directories(${t}_fuzz_target PRIVATE ${CMAKE_SOURCE_DIR})
      target_link_libraries(${t}_fuzz_target PUBLIC ${libs})
      add_executable(${t}_standalone)
      target_link_libraries(${t}_standalone PRIVATE fuzz_standalone_main ${t}_fuzz_target)
      add_dependencies(fuzzers ${t}_standalone)
      if(LEDGER_FUZZ_LIBFUZZER)
        add_executable(${t}_fuzzer)
        target_link_libraries(${t}_fuzzer PRIVATE ${t}_fuzz_target)
        target_link_options(${t}_fuzzer PRIVATE -fsanitize=fuzzer)
        add_dependencies(fuzzers ${t}_fuzzer)
      endif()
    endforeach()
    set(seeds ${dir}/make_record_seeds.cc)
    ledger_fuzz_libraries(${seeds} libs)
    add_executable(make_record_seeds ${seeds})
    target_link_libraries(make_record_seeds PRIVATE ${libs})
    add_dependencies(fuzzers make_record_seeds)
  endfunction()
  cmake_language(DEFER CALL ledger_fuzz_targets)
endif()
