#pragma once
// What src/store.cpp and src/store_session.cpp share: error messages that name the database file.

#include <string>

#include "detail/one_line.hpp"
#include "irtcat/error.hpp"
#include "irtcat/store.hpp"

namespace irtcat::detail {

// "database 'path' is/has/holds/was ..." for what the file is, "database 'path': message" for the rest.
[[noreturn]] inline void fail(const Database& database, const std::string& message, int code) {
  std::string text = "database ";
  text += quoted_value(database.path());
  const bool predicate = message.starts_with("is ") || message.starts_with("has ") ||
                         message.starts_with("holds ") || message.starts_with("was ");
  text += predicate ? " " : ": ";
  text += message;
  throw StoreError(text, code);
}

// A StoreError's message without the "database 'path': " that the handles put first.
inline std::string reason(const Database& database, const StoreError& error) {
  std::string prefix = "database ";
  prefix += quoted_value(database.path());
  prefix += ": ";
  std::string message = error.what();
  return message.starts_with(prefix) ? message.substr(prefix.size()) : message;
}

}  // namespace irtcat::detail
