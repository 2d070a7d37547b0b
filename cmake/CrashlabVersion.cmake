# Resolves CRASHLAB_GIT_COMMIT_RESOLVED (the commit crashlab is built from)
# and CRASHLAB_DATADIR_FROM_BIN (share/crashlab relative to bin/), used by
# version/version_info.h.in. Runs at configure time: re-run cmake (the
# scripts do, `cmake --preset ...`) to pick up a new commit.
#
# -DCRASHLAB_GIT_COMMIT=HASH overrides git (a Docker build without .git
# passes it as a build argument); without git or a checkout: "unknown".
set(CRASHLAB_GIT_COMMIT "" CACHE STRING
  "Commit to report in --version (default: git rev-parse HEAD, else unknown)")

set(CRASHLAB_GIT_COMMIT_RESOLVED "unknown")
if(CRASHLAB_GIT_COMMIT)
  if(NOT CRASHLAB_GIT_COMMIT MATCHES "^[0-9A-Za-z._+-]+$")
    message(FATAL_ERROR "CRASHLAB_GIT_COMMIT must be a commit hash or tag "
      "(letters, digits, . _ + -), got '${CRASHLAB_GIT_COMMIT}'")
  endif()
  set(CRASHLAB_GIT_COMMIT_RESOLVED "${CRASHLAB_GIT_COMMIT}")
else()
  find_package(Git QUIET)
  if(GIT_FOUND)
    execute_process(
      COMMAND ${GIT_EXECUTABLE} -C ${PROJECT_SOURCE_DIR} rev-parse --verify -q HEAD
      OUTPUT_VARIABLE _crashlab_head
      RESULT_VARIABLE _crashlab_git_rc
      OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    # Only a checkout of crashlab itself: not an enclosing repository that
    # happens to contain an unpacked source tarball.
    execute_process(
      COMMAND ${GIT_EXECUTABLE} -C ${PROJECT_SOURCE_DIR} rev-parse --show-toplevel
      OUTPUT_VARIABLE _crashlab_top
      OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(_crashlab_git_rc EQUAL 0 AND _crashlab_head MATCHES "^[0-9a-f]+$")
      file(REAL_PATH "${PROJECT_SOURCE_DIR}" _crashlab_src)
      if(_crashlab_top)
        file(REAL_PATH "${_crashlab_top}" _crashlab_top)
      endif()
      if(_crashlab_top STREQUAL _crashlab_src)
        set(CRASHLAB_GIT_COMMIT_RESOLVED "${_crashlab_head}")
      endif()
    endif()
  endif()
endif()
message(STATUS "crashlab ${PROJECT_VERSION}, commit ${CRASHLAB_GIT_COMMIT_RESOLVED}")

include(GNUInstallDirs)
file(RELATIVE_PATH CRASHLAB_DATADIR_FROM_BIN
  "${CMAKE_INSTALL_FULL_BINDIR}" "${CMAKE_INSTALL_FULL_DATADIR}/crashlab")
