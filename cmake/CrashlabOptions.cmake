# Shared compile settings, applied per target with crashlab_target_defaults().
add_library(crashlab_options INTERFACE)
add_library(crashlab::options ALIAS crashlab_options)
target_compile_features(crashlab_options INTERFACE cxx_std_20)
target_compile_options(crashlab_options INTERFACE
  -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
if(CRASHLAB_WERROR)
  target_compile_options(crashlab_options INTERFACE -Werror)
endif()
if(CRASHLAB_SANITIZE AND CRASHLAB_TSAN)
  message(FATAL_ERROR "CRASHLAB_SANITIZE (ASan) and CRASHLAB_TSAN cannot be combined")
endif()
if(CRASHLAB_SANITIZE)
  target_compile_options(crashlab_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(crashlab_options INTERFACE -fsanitize=address,undefined)
endif()
if(CRASHLAB_TSAN)
  target_compile_options(crashlab_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(crashlab_options INTERFACE -fsanitize=thread)
endif()
if(CRASHLAB_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CRASHLAB_FUZZ needs clang (cmake --preset fuzz)")
  endif()
  # Coverage feedback for libFuzzer in every crashlab library; the fuzz
  # targets themselves link with -fsanitize=fuzzer (tests/fuzz).
  target_compile_options(crashlab_options INTERFACE -fsanitize=fuzzer-no-link)
endif()
target_compile_definitions(crashlab_options INTERFACE
  CRASHLAB_VERSION="${PROJECT_VERSION}")

# crashlab_add_test(NAME SOURCES... [LIBS ...] [LABELS ...])
# Builds one gtest binary and registers each test case with ctest.
function(crashlab_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(CRASHLAB_TEST_FILTER AND NOT name MATCHES "${CRASHLAB_TEST_FILTER}")
    return()  # not part of this build (e.g. the tsan preset)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} crashlab::options
    GTest::gtest GTest::gtest_main rapidcheck rapidcheck_gtest)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set(props TIMEOUT ${ARG_TIMEOUT})
  if(ARG_LABELS)
    list(APPEND props LABELS "${ARG_LABELS}")
  endif()
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    DISCOVERY_TIMEOUT 60
    PROPERTIES ${props})
endfunction()
