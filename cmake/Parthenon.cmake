# Build helpers shared by every layer.
#
# parthenon_layer(<name> SOURCES ... [DEPS ...] [TESTS ...])
#   Defines the static library parthenon_<name> for src/<name>/ and, when tests are enabled,
#   the unit-test program parthenon_<name>_tests from the *_test.cpp files next to it.
#   DEPS are the layers (or system libraries) below this one: a layer links only those, so the
#   link graph enforces DESIGN.md's layering; scripts/check-layers.sh enforces it for includes.

add_library(parthenon_warnings INTERFACE)
target_compile_options(parthenon_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough -Wswitch-enum
  # GCC 12 warns about members left to their default initializers in designated initializers,
  # the idiom options structs rely on.
  -Wno-missing-field-initializers
  $<$<BOOL:${PARTHENON_WERROR}>:-Werror>
  $<$<AND:$<CXX_COMPILER_ID:Clang>,$<BOOL:${PARTHENON_THREAD_SAFETY}>>:-Wthread-safety -Wthread-safety-beta>)

set(PARTHENON_SOURCE_ROOT ${PROJECT_SOURCE_DIR})

function(parthenon_layer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;TESTS" ${ARGN})
  add_library(parthenon_${name} STATIC ${ARG_SOURCES})
  target_include_directories(parthenon_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(parthenon_${name} PUBLIC ${ARG_DEPS} PRIVATE parthenon_warnings)
  if(PARTHENON_BUILD_TESTS AND ARG_TESTS)
    add_executable(parthenon_${name}_tests ${ARG_TESTS})
    target_link_libraries(parthenon_${name}_tests PRIVATE
      parthenon_${name} parthenon_testing GTest::gmock GTest::gtest_main parthenon_warnings)
    gtest_discover_tests(parthenon_${name}_tests
      PROPERTIES LABELS unit
      DISCOVERY_TIMEOUT 60)
  endif()
endfunction()
