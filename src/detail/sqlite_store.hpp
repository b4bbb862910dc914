#pragma once
// What src/store.cpp and src/store_session.cpp share: error messages that name the database file.

#include <string>

#include "irtcat/error.hpp"
#include "irtcat/store.hpp"

namespace irtcat::detail {

inline std::string quoted(const std::string& text) {
  std::string out = "'";
  out += text;
  out += "'";
  return out;
}

// "database 'path' is/has/holds/was ..." for what the file is, "database 'path': message" for the rest.
[[noreturn]] inline void fail(const Database& database, const std::string& message, int code) {
  std::string text = "database ";
  text += quoted(database.path());
  const bool predicate = message.starts_with("is ") || message.starts_with("has ") ||
                         message.starts_with("holds ") || message.starts_with("was ");
  text += predicate ? " " : ": ";
  text += message;
  throw StoreError(text, code);
}

// A StoreError's message without the "database 'path': " that the handles put first.
inline std::string reason(const Database& database, const StoreError& error) {
  std::string prefix = "database ";
  prefix += quoted(database.path());
  prefix += ": ";
  std::string message = error.what();
  return message.starts_with(prefix) ? message.substr(prefix.size()) : message;
}

}  // namespace irtcat::detail
