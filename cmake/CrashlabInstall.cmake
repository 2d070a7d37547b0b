# `cmake --install` rules and the Debian package (CPack DEB), laid out the
# way Debian expects with CMAKE_INSTALL_PREFIX=/usr (the package's prefix):
#
#   bin/crashlab, bin/faultfs, bin/ckpt
#   share/crashlab/scenarios/   the shipped suite (unsafe/, examples/ too);
#                               `crashlab run` without a PATH runs it when
#                               there is no ./scenarios (harness/scenario_files.h)
#   share/crashlab/schemas/     scenario.schema.json, report.schema.json
#   share/doc/crashlab/         README.md and the module READMEs, BENCHMARKS.md,
#                               examples/ci (the CI templates)
#
# crashlab finds faultfs next to itself (harness/fuse_mount.h), so fuse and
# exec mode work from bin/ as they do from a build tree.
include(GNUInstallDirs)

option(CRASHLAB_INSTALL "Generate crashlab's install and package rules"
  ${CRASHLAB_TOP_LEVEL})
if(NOT CRASHLAB_INSTALL)
  return()
endif()

# `cmake --install` / cpack need only these three binaries built, not every
# test and benchmark (`cmake --build BUILD --target crashlab faultfs ckpt`).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(TARGETS crashlab faultfs ckpt
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(_crashlab_data ${CMAKE_INSTALL_DATADIR}/crashlab)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/
  DESTINATION ${_crashlab_data}/scenarios
  FILES_MATCHING PATTERN "*.json"
  PATTERN "*.schema.json" EXCLUDE)
install(FILES
  ${PROJECT_SOURCE_DIR}/scenarios/scenario.schema.json
  ${PROJECT_SOURCE_DIR}/reports/report.schema.json
  DESTINATION ${_crashlab_data}/schemas)

# Docs keep the source tree's folders so the READMEs' relative links resolve.
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/BENCHMARKS.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
foreach(_module engine faultfs harness reports scenarios)
  install(FILES ${PROJECT_SOURCE_DIR}/${_module}/README.md
    DESTINATION ${CMAKE_INSTALL_DOCDIR}/${_module})
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ci/
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/ci)

# ---------------------------------------------------------------- CPack DEB
# cpack -G DEB in a build directory configured with CMAKE_BUILD_TYPE=Release
# (scripts/package-test.sh does it; a sanitizer build would pull in libasan).
set(CPACK_PACKAGE_NAME crashlab)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "crashlab")
set(CRASHLAB_PACKAGE_CONTACT "crashlab maintainers" CACHE STRING
  "Maintainer field of the Debian package")
set(CPACK_PACKAGE_CONTACT "${CRASHLAB_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "crash-consistency test harness and fault-injecting file system")
set(CPACK_PACKAGE_DESCRIPTION
  "crashlab checks whether storage code comes back with what it promised to \
keep after a power cut. faultfs is a FUSE file system (and an in-process \
simulator) that keeps only what a real disk keeps and injects I/O faults; \
crashlab runs scenario files, cuts the power at every operation and checks \
recovery invariants; ckpt drives the checkpoint engine shipped as the system \
under test. The shipped scenario suite is in /usr/share/crashlab/scenarios.")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps (dpkg-dev) declares the shared libraries the binaries link,
# with versions; on Debian 12: libboost-program-options1.74.0, libfuse3-3,
# libssl3 (libcrypto), libc6, libstdc++6, libgcc-s1 (scripts/package-test.sh
# checks them). fuse3 is not linked but run: it provides fusermount3, which
# faultfs uses to mount and unmount.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "fuse3")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The exec-mode examples in scenarios/examples/ run sqlite3.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "sqlite3")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
