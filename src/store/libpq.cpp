#include "detail/libpq.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <string>
#include <type_traits>

#include "irtcat/error.hpp"

namespace irtcat::detail {
namespace {

constexpr int kCantOpen = 14;  // SQLite's SQLITE_CANTOPEN, as the store's errors carry codes

// libpq's ABI has been version 5 since PostgreSQL 8.0.
constexpr const char* kLibpqName = "libpq.so.5";

std::string dl_message() {
  const char* message = dlerror();
  return message != nullptr ? message : "no reason given";
}

Libpq load_libpq() {
  const char* configured = std::getenv("IRTCAT_LIBPQ");
  const std::string name = configured != nullptr && configured[0] != '\0' ? configured : kLibpqName;
  // Kept open once every function is found: they are called until the program ends.
  void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    throw StoreError("the PostgreSQL client library " + name + " cannot be loaded (install libpq5): " + dl_message(),
                     kCantOpen);
  }
  Libpq api{};
  const auto resolve = [&](auto& function, const char* symbol) {
    void* address = dlsym(handle, symbol);
    if (address == nullptr) {
      throw StoreError("the PostgreSQL client library " + name + " has no " + symbol + ": " + dl_message(), kCantOpen);
    }
    function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(address);
  };
  try {
    resolve(api.PQconnectdb, "PQconnectdb");
    resolve(api.PQstatus, "PQstatus");
    resolve(api.PQerrorMessage, "PQerrorMessage");
    resolve(api.PQfinish, "PQfinish");
    resolve(api.PQreset, "PQreset");
    resolve(api.PQsocket, "PQsocket");
    resolve(api.PQconsumeInput, "PQconsumeInput");
    resolve(api.PQsetNoticeProcessor, "PQsetNoticeProcessor");
    resolve(api.PQtransactionStatus, "PQtransactionStatus");
    resolve(api.PQexec, "PQexec");
    resolve(api.PQexecParams, "PQexecParams");
    resolve(api.PQprepare, "PQprepare");
    resolve(api.PQexecPrepared, "PQexecPrepared");
    resolve(api.PQresultStatus, "PQresultStatus");
    resolve(api.PQresultErrorMessage, "PQresultErrorMessage");
    resolve(api.PQresultErrorField, "PQresultErrorField");
    resolve(api.PQcmdTuples, "PQcmdTuples");
    resolve(api.PQntuples, "PQntuples");
    resolve(api.PQgetvalue, "PQgetvalue");
    resolve(api.PQgetlength, "PQgetlength");
    resolve(api.PQgetisnull, "PQgetisnull");
    resolve(api.PQclear, "PQclear");
  } catch (...) {
    dlclose(handle);
    throw;
  }
  return api;
}

}  // namespace

const Libpq& libpq() {
  static const Libpq api = load_libpq();  // a throw leaves it to the next call
  return api;
}

}  // namespace irtcat::detail
