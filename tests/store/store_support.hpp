#pragma once
// What the store's tests and the bank command's tests share: the shipped banks' paths and bank JSON documents
// written by hand.

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "irtcat/bank_json.hpp"
#include "irtcat/store.hpp"

namespace irtcat::testing {

inline std::string shipped(const std::string& name) {
  std::string path = IRTCAT_ITEM_BANKS;
  path += "/";
  path += name;
  path += ".json";
  return path;
}

// One item of a bank JSON document; `parameters` is the text inside "parameters": {...}.
inline std::string item_json(const std::string& id, const std::string& parameters) {
  return R"({"id": ")" + id + R"(", "topic": "t", "difficulty": 2, "stem": "S?", "options": ["x", "y"], "key": "A",)" +
         R"( "explanation": "", "parameters": {)" + parameters + R"(, "source": "test"}})";
}

inline std::string bank_json(const std::string& name, int version, const std::vector<std::string>& items) {
  std::string text = R"({"format": "irtcat.bank", "version": 1, "bank": {"name": ")" + name +
                     R"(", "title": "T", "domain": "d", "version": )" + std::to_string(version) +
                     R"(, "scaling": 1.0, "provenance": "", "topics": ["t"]}, "items": [)";
  for (std::size_t i = 0; i < items.size(); ++i) text += (i > 0 ? ", " : "") + items[i];
  return text + "]}";
}

/// The bank JSON document `document` is written as.
inline std::string export_text(const BankDocument& document) {
  std::ostringstream out;
  write_bank_json(out, document.info, document.bank);
  return out.str();
}

/// The number of rows in `table` of the store's database.
inline std::int64_t count_rows(Store& store, const std::string& table) {
  Statement count(store.database(), "SELECT COUNT(*) FROM " + table);
  count.step();
  return count.column_int64(0);
}

}  // namespace irtcat::testing
