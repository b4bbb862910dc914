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
# The service (src/service/): cpp-httplib, built by Debian with OpenSSL, zlib and Brotli (its pkg-config file
# carries the matching -D flags), and OpenSSL's libcrypto for tokens and hashed secrets.
find_package(PkgConfig QUIET)  # not through irtcat_require: its variables must be set at this scope
if(NOT PkgConfig_FOUND)
  message(FATAL_ERROR "irtcat needs pkg-config: install the Debian package 'pkg-config' (or run scripts/setup.sh)")
endif()
pkg_check_modules(CPP_HTTPLIB QUIET IMPORTED_TARGET cpp-httplib>=0.11)
if(NOT CPP_HTTPLIB_FOUND)
  message(FATAL_ERROR
    "irtcat needs cpp-httplib: install the Debian package 'libcpp-httplib-dev' "
    "(apt-get install libcpp-httplib-dev, or run scripts/setup.sh)")
endif()
irtcat_require(OpenSSL libssl-dev)
# The PostgreSQL store (src/store/store_postgresql.cpp): libpq's header, through its pkg-config file; the library is
# loaded when a store first opens a postgresql:// location (src/store/libpq.cpp).
pkg_check_modules(LIBPQ QUIET IMPORTED_TARGET libpq)
if(NOT LIBPQ_FOUND)
  message(FATAL_ERROR
    "irtcat needs libpq: install the Debian package 'libpq-dev' (apt-get install libpq-dev, or run scripts/setup.sh)")
endif()
# Run-time SIMD dispatch of the hot kernels (src/simd/): Google Highway compiles them for each instruction set and
# chooses one from the CPU at start-up.
irtcat_require(hwy libhwy-dev 1.0 CONFIG)
if(IRTCAT_BUILD_TESTS)
  irtcat_require(doctest doctest-dev CONFIG)
endif()
if(IRTCAT_BUILD_BENCHMARKS)
  irtcat_require(benchmark libbenchmark-dev CONFIG)
endif()
