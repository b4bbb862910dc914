#pragma once
// The bank JSON format of item_banks/ (docs/conventions.md): one file per domain, items with their content and their
// parameters with provenance. Reviewable as text; the build turns it into the SQLite store.
//
//   {"format": "irtcat.bank", "version": 1,
//    "bank": {"name", "title", "domain", "version", "scaling", "provenance", "topics": [...]},
//    "items": [{"id", "topic", "difficulty", "stem", "options": [...], "key": "A".., "explanation",
//               "parameters": {"model", "a", "b", "c", "d" | "thresholds": [...], "source"}}, ...]}

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "irtcat/item_bank.hpp"

namespace irtcat {

/// A bank's identity and description.
struct BankInfo {
  std::string name;                 ///< stable key, e.g. "mathematics"
  std::string title;                ///< for people, e.g. "Mathematics"
  std::string domain;               ///< the tested domain
  int version = 1;                  ///< changes whenever an item's parameters or content change
  std::string provenance;           ///< where the parameters come from
  std::vector<std::string> topics;  ///< the fixed topic list; every item's topic is one of them
};

/// A bank as read from its JSON file.
struct BankDocument {
  BankInfo info;
  ItemBank bank;
};

/// The largest bank JSON file irtcat reads: 64 MiB. The shipped banks are about 100 KiB for 150 items; 64 MiB holds
/// some 100,000 items with their content. Reading takes about 8 times the file's size in memory while the JSON
/// tree is held (bench/bank_json_bench.cpp), so the limit keeps a hostile or mistaken file to a bounded cost.
inline constexpr std::size_t kMaxBankJsonBytes = std::size_t{64} << 20;

/// Reads a bank JSON document. Throws DataError naming the file, the JSON path of the value
/// (`items[12].options[2]`) and the item for malformed JSON, a missing or mistyped field, a topic outside the
/// bank's list, a key outside the options or an invalid parameter; the file for a duplicate id; and for a file (or
/// stream) larger than kMaxBankJsonBytes, which is refused before it is parsed (the file's size is checked before
/// any of it is read).
BankDocument read_bank_json(std::istream& in, const std::string& file);
BankDocument read_bank_json_file(const std::string& path);

/// The string "format" member at the top of the JSON document in a file ("irtcat.bank", "irtcat.roles",
/// "irtcat.session"), so that a tool can read each file as what it is; "" when there is none. Reads as a stream
/// (SAX) and stops at that value, so a file of any size costs no memory (its own reader then applies its limits).
/// Throws DataError when the file cannot be opened or is not JSON up to its format.
std::string json_document_format(const std::string& path);

/// Writes the document in the same format (2-space indentation, UTF-8).
void write_bank_json(std::ostream& out, const BankInfo& info, const ItemBank& bank);

}  // namespace irtcat
