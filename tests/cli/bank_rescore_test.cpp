// Tests of `irtcat bank rescore` and `irtcat bank responses --options` (src/cli/bank_answers_command.cpp): a key
// corrected from the command line rescores the stored tests, the responses CSV shows the scores as they stand and
// the options chosen, and a bad call exits 1 in one line with nothing changed.

#include <doctest/doctest.h>

#include "irtcat/store.hpp"
#include "scratch.hpp"

using namespace irtcat;
using namespace irtcat::testing;

namespace {

// A finished test on `bank` answering `items` with the options `letters` (scored against the stored keys).
std::int64_t stored_test(const std::string& db, const std::vector<std::string>& items, const std::string& letters) {
  Store store(db, OpenMode::read_write);
  const BankDocument bank = store.load_bank("mathematics");
  const std::int64_t id = store.create_session("mathematics", bank.info.version, SessionConfig{}, 3);
  std::vector<Response> responses;
  for (std::size_t k = 0; k < items.size(); ++k) {
    const ItemIndex index = bank.bank.index_of(ItemId(items[k]));
    const int option = letters[k] - 'A';
    const int score = bank.bank.metadata(index).content.key == option ? 1 : 0;
    store.append_response(id, static_cast<std::int64_t>(k) + 1, items[k], score, option);
    responses.push_back({index, score});
  }
  store.finish_session(id, estimate_ability(bank.bank, responses), StopReason::max_length);
  return id;
}

}  // namespace

TEST_CASE("bank rescore: a corrected key rescores stored tests, bank responses shows scores and options") {
  const Scratch scratch;
  const std::string db = scratch.database("rescore.db", {"mathematics"});
  std::vector<std::string> ids;
  int first_key = 0;
  {
    Store store(db, OpenMode::read_only);
    const BankDocument bank = store.load_bank("mathematics");
    for (std::size_t i = 0; i < 3; ++i) ids.push_back(bank.bank.items()[i].id().str());
    first_key = bank.bank.metadata(ItemIndex{0}).content.key;
  }
  // Both tests chose an option other than the key on the first item.
  const char wrong = static_cast<char>('A' + (first_key + 1) % 4);
  const std::string letters = std::string(1, wrong) + "AB";
  stored_test(db, ids, letters);
  stored_test(db, {ids[0]}, std::string(1, wrong));

  const Run run = scratch.irtcat("bank rescore mathematics --item " + ids[0] + " --key " +
                                 std::string(1, static_cast<char>(std::tolower(wrong))) + " --note typo --db " + db);
  CAPTURE(run.err);
  REQUIRE(run.status == 0);
  CHECK(run.out.find("key " + std::string(1, static_cast<char>('A' + first_key)) + " -> " + wrong) !=
        std::string::npos);
  CHECK(run.out.find("2 finished tests rescored") != std::string::npos);

  const Run scores = scratch.irtcat("bank responses mathematics --db " + db);
  REQUIRE(scores.status == 0);
  const std::string header = "person_id," + ids[0] + "," + ids[1] + "," + ids[2] + "\n";
  Store store(db, OpenMode::read_only);
  const StoredSession first = store.load_session(1);
  CHECK(scores.out == header + "1,1," + std::to_string(first.score(1)) + "," + std::to_string(first.score(2)) +
                          "\n2,1,,\n");
  const Run options = scratch.irtcat("bank responses mathematics --options --db " + db);
  REQUIRE(options.status == 0);
  CHECK(options.out == header + "1," + letters.substr(0, 1) + ",A,B\n2," + letters.substr(0, 1) + ",,\n");

  // Bad calls: one line, exit 1, nothing changed.
  const std::vector<std::string> bad_calls = {"--item " + ids[0] + " --key 7", "--item " + ids[0] + " --key Z",
                                              "--item nonesuch --key A"};
  for (const std::string& bad : bad_calls) {
    const Run refused = scratch.irtcat("bank rescore mathematics " + bad + " --db " + db);
    CAPTURE(bad);
    CHECK(refused.status == 1);
    CHECK(lines_in(refused.err) == 1);
  }
  CHECK(scratch.irtcat("bank responses mathematics --db " + db).out == scores.out);
}
