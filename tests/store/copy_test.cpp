// Tests of copy_store (src/store/store_copy.cpp, irtcat bank copy): an SQLite database with finished, running and
// rescored sessions copied into a fresh database of each engine, where every session resumes exactly as on the
// original, and new rows continue after the copied keys.

#include <doctest/doctest.h>

#include <random>

#include "irtcat/store.hpp"
#include "scratch.hpp"
#include "store/engines.hpp"
#include "store/store_support.hpp"
#include "test_support.hpp"

using namespace irtcat;
using namespace irtcat::testing;

namespace {

// Runs a test on the stored bank to its end (or for `answers` answers), storing each answer with an option.
std::int64_t run_test(Store& store, const SessionConfig& config, std::uint64_t seed, double theta, int answers,
                      const std::string& candidate) {
  const BankDocument document = store.load_bank("mathematics");
  auto bank = std::make_shared<const ItemBank>(document.bank);
  Session session(bank, config, seed);
  const std::int64_t id = store.create_session("mathematics", document.info.version, config, seed,
                                               SessionLabels{"", 0, candidate});
  std::mt19937_64 rng(seed);
  std::int64_t seq = 0;
  while (const auto next = session.next_item()) {
    if (seq == answers) return id;
    const int response = draw_response(bank->item(*next), theta, 1.0, rng);
    const int key = bank->metadata(*next).content.key;
    const int option = response == 1 ? key : (key + 1) % 4;
    store.append_response(id, ++seq, bank->item(*next).id().str(), response, option);
    session.record(*next, response);
  }
  store.finish_session(id, session.estimate(), session.stop_reason());
  return id;
}

void check_same_session(const StoredSession& a, const StoredSession& b) {
  CHECK(a.bank == b.bank);
  CHECK(a.bank_version == b.bank_version);
  CHECK(a.config == b.config);
  CHECK(a.seed == b.seed);
  CHECK(a.status == b.status);
  CHECK(a.started_at == b.started_at);
  CHECK(a.theta == b.theta);
  CHECK(a.se == b.se);
  CHECK(a.first_theta == b.first_theta);
  CHECK(a.stop_reason == b.stop_reason);
  CHECK(a.responses == b.responses);
  CHECK(a.options == b.options);
  CHECK(a.rescored == b.rescored);
  CHECK(a.candidate == b.candidate);
}

}  // namespace

TEST_CASE("copy: every session resumes on the copy exactly as on the original, on each engine") {
  const Scratch scratch;
  const std::string original = scratch.path("original.db");
  SessionConfig config;
  config.stopping.max_length = 8;
  config.exposure.method = ExposureMethod::randomesque;
  config.exposure.randomesque_count = 3;
  std::vector<std::int64_t> ids;
  {
    Store store(original);
    store.import_bank(read_bank_json_file(shipped("mathematics")));
    store.save_design("mathematics", DesignDocument{"short", "eight items", config, true});
    ids.push_back(run_test(store, config, 1, -0.5, 99, "p-1"));
    ids.push_back(run_test(store, config, 2, 0.8, 99, "p-2"));
    ids.push_back(run_test(store, config, 3, 0.1, 4, ""));  // still running
    const StoredSession first = store.load_session(ids[0]);
    store.rescore_item("mathematics", first.responses[0].first, (*first.options[0] + 1) % 4, "test");
  }
  for_each_engine_location(
      [&](const std::string& location) {
        Store from(original, OpenMode::read_only);
        Store to(location);
        const StoreCopy copied = copy_store(from, to);
        CHECK(copied.banks == 1);
        CHECK(copied.sessions == 3);

        const BankDocument bank = from.load_bank("mathematics");
        const BankDocument copy = to.load_bank("mathematics");
        std::ostringstream a;
        std::ostringstream b;
        write_bank_json(a, bank.info, bank.bank);
        write_bank_json(b, copy.info, copy.bank);
        CHECK(a.str() == b.str());
        CHECK(to.load_design("mathematics", "short").document.config.stopping.max_length == 8);
        CHECK(to.exposure_counts("mathematics").counts() == from.exposure_counts("mathematics").counts());
        CHECK(to.exposure_counts("mathematics").tests() == 2);

        auto items = std::make_shared<const ItemBank>(copy.bank);
        for (const std::int64_t id : ids) {
          CAPTURE(id);
          const StoredSession original_session = from.load_session(id);
          const StoredSession copied_session = to.load_session(id);
          check_same_session(original_session, copied_session);
          CHECK(restore_session(copied_session, items).to_json() ==
                restore_session(original_session, items).to_json());
        }
        // The running test carries on in the copy, and new rows get keys after the copied ones.
        Session resumed = restore_session(to.load_session(ids[2]), items);
        to.append_response(ids[2], 5, items->item(*resumed.next_item()).id().str(), 1);
        CHECK(to.load_session(ids[2]).responses.size() == 5);
        CHECK(to.create_session("mathematics", copy.info.version, config, 9) == ids.back() + 1);
        // A second copy into the same database is refused and changes nothing.
        CHECK_THROWS_WITH_AS(copy_store(from, to), doctest::Contains("holds banks already"), StoreError);
        CHECK(to.sessions().size() == 4);
      },
      scratch.path("copy.db"));
}
