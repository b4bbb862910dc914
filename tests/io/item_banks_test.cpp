// The shipped banks in item_banks/: content rules every item must keep (issue: six real item banks).

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "irtcat/bank_json.hpp"
#include "irtcat/store.hpp"
#include "test_support.hpp"

using namespace irtcat;

namespace {

struct Expected {
  const char* name;
  const char* prefix;
  std::vector<std::string> topics;
};

const std::vector<Expected> kBanks = {
    {"mathematics", "math", {"linear algebra", "calculus", "probability", "statistics", "optimization"}},
    {"machine_learning", "ml",
     {"supervised learning", "model evaluation", "regularization", "trees and ensembles", "unsupervised learning",
      "feature engineering"}},
    {"deep_learning", "dl",
     {"neural network basics", "optimization and training", "convolutional networks", "sequence models and attention",
      "regularization", "practical methodology"}},
    {"data_science", "ds",
     {"data wrangling", "exploratory analysis", "SQL", "experimentation and A/B testing", "visualization",
      "statistics for data science"}},
    {"algorithmic_coding", "algo",
     {"complexity", "arrays and strings", "hashing", "trees and graphs", "dynamic programming",
      "sorting and searching"}},
    {"software_engineering", "swe",
     {"testing", "version control", "design and architecture", "debugging", "APIs", "performance and reliability"}},
};

std::string path_of(const char* name) { return std::string(IRTCAT_ITEM_BANKS) + "/" + name + ".json"; }

// Runs of blanks folded, and lower case when `fold_case`: two stems that differ only in spacing or case count
// as alike. (Options keep their case: O(n) and o(n) are different answers.)
std::string normalized(const std::string& text, bool fold_case = true) {
  std::string out;
  for (char ch : text) {
    if (std::isspace(static_cast<unsigned char>(ch))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += fold_case ? static_cast<char>(std::tolower(static_cast<unsigned char>(ch))) : ch;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("item banks: every shipped bank keeps the content rules") {
  for (const Expected& expected : kBanks) {
    const std::string name = expected.name;
    CAPTURE(name);
    const BankDocument document = read_bank_json_file(path_of(expected.name));  // parameters, keys, topics valid
    const ItemBank& bank = document.bank;
    CHECK(document.info.name == expected.name);
    CHECK(document.info.topics == expected.topics);
    CHECK(document.info.provenance.find("Provisional") != std::string::npos);
    CHECK(bank.size() >= 150);

    const std::regex id_pattern(std::string(expected.prefix) + "-[0-9]{4}");
    std::set<std::string> stems;
    std::map<std::pair<std::string, int>, int> cells;
    for (std::size_t i = 0; i < bank.size(); ++i) {
      const Item& item = bank.items()[i];
      const ItemMetadata& meta = bank.metadata(ItemIndex{i});
      CAPTURE(item.id().str());
      CHECK(std::regex_match(item.id().str(), id_pattern));
      CHECK(stems.insert(normalized(meta.content.stem)).second);  // no two stems alike
      REQUIRE(meta.content.options.size() == 4);
      std::set<std::string> distinct;
      for (const std::string& option : meta.content.options) {
        CHECK_FALSE(option.empty());
        distinct.insert(normalized(option, false));
      }
      CHECK(distinct.size() == 4);
      CHECK(meta.content.key >= 0);
      CHECK(meta.content.key < 4);
      CHECK_FALSE(meta.content.explanation.empty());
      CHECK(meta.content.difficulty >= 1);
      CHECK(meta.content.difficulty <= 5);
      CHECK(item.model() == Model::three_pl);
      CHECK(item.c() == 0.2);
      CHECK(meta.parameter_source == "provisional");
      ++cells[{meta.topic, meta.content.difficulty}];
    }
    for (const std::string& topic : expected.topics) {
      for (int difficulty = 1; difficulty <= 5; ++difficulty) {
        CAPTURE(topic);
        CAPTURE(difficulty);
        CHECK(cells[{topic, difficulty}] >= 4);  // every topic covered at every band of difficulty
      }
    }
  }
}

TEST_CASE("item banks: reading and writing a shipped bank reproduces its file exactly") {
  for (const Expected& expected : kBanks) {
    const std::string name = expected.name;
    CAPTURE(name);
    std::ifstream in(path_of(expected.name), std::ios::binary);
    std::ostringstream original;
    original << in.rdbuf();
    std::istringstream text(original.str());
    const BankDocument document = read_bank_json(text, expected.name);
    std::ostringstream written;
    write_bank_json(written, document.info, document.bank);
    CHECK(written.str() == original.str());
  }
}

TEST_CASE("item banks: the default database that the build makes holds all six banks, as their files say") {
  // The build's irtcat.db (cmake/IrtcatDatabase.cmake), which `irtcat take` and `irtcat bank` use by default.
  Store store(IRTCAT_DEFAULT_DB, OpenMode::read_only);
  const std::vector<BankSummary> stored = store.banks();
  REQUIRE(stored.size() == kBanks.size());
  for (const Expected& expected : kBanks) {
    CAPTURE(expected.name);
    const BankDocument file = read_bank_json_file(path_of(expected.name));
    const auto found = std::find_if(stored.begin(), stored.end(),
                                    [&](const BankSummary& bank) { return bank.info.name == expected.name; });
    REQUIRE(found != stored.end());
    CHECK(found->info.version == file.info.version);
    CHECK(found->items == file.bank.size());
    // The stored bank is the file's bank: same ids, parameters and content, in the same order.
    const BankDocument loaded = store.load_bank(expected.name);
    REQUIRE(loaded.bank.size() == file.bank.size());
    for (std::size_t i = 0; i < file.bank.size(); ++i) {
      const ItemIndex index{i};
      testing::check_same_item(file.bank.item(index), loaded.bank.item(index));
      CHECK(loaded.bank.item(index).b() == file.bank.item(index).b());
      testing::check_same_content(file.bank.metadata(index), loaded.bank.metadata(index));
    }
  }
}
