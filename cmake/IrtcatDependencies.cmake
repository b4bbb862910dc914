# Every dependency is a Debian 12 package; a missing one stops the configure step with the
# package to install (scripts/setup.sh installs them all).
function(irtcat_require package debian_package)
  find_package(${package} ${ARGN} QUIET)
  if(NOT ${package}_FOUND)
    message(FATAL_ERROR
      "irtcat needs ${package}: install the Debian package '${debian_package}' "
      "(apt-get install ${debian_package}, or run scripts/setup.sh)")
  endif()
endfunction()

irtcat_require(Eigen3 libeigen3-dev 3.4 CONFIG)
irtcat_require(Boost libboost-dev 1.74 CONFIG)
irtcat_require(nlohmann_json nlohmann-json3-dev 3.10 CONFIG)
irtcat_require(CLI11 libcli11-dev CONFIG)
irtcat_require(SQLite3 libsqlite3-dev)
if(IRTCAT_BUILD_TESTS)
  irtcat_require(doctest doctest-dev CONFIG)
endif()
if(IRTCAT_BUILD_BENCHMARKS)
  irtcat_require(benchmark libbenchmark-dev CONFIG)
endif()
