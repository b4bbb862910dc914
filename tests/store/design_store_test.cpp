// Tests of the store's test designs (src/store/store_design.cpp) on each engine: versions per (bank, name), an
// unchanged design stored again keeps its version, a stored version is never changed, the latest of each name is
// listed, and Sympson-Hetter parameters hold for the bank version they were calibrated on only.

#include <doctest/doctest.h>

#include "irtcat/error.hpp"
#include "irtcat/store.hpp"
#include "store/engines.hpp"
#include "store/store_support.hpp"

using namespace irtcat;
using namespace irtcat::testing;

TEST_CASE("design store: versions, an unchanged design kept, the latest listed, versions never changed") {
  for_each_engine([](Store& store) {
    store.import_bank(read_bank_json_file(shipped("mathematics")));
    store.import_bank(read_bank_json_file(shipped("data_science")));
    SessionConfig config;
    config.stopping.max_length = 12;
    const DesignDocument twelve{"short", "twelve items", config, true};
    CHECK(store.save_design("mathematics", twelve, "by hand") == 1);
    CHECK(store.save_design("mathematics", twelve) == 1);  // the same design: nothing new
    config.stopping.max_length = 15;
    CHECK(store.save_design("mathematics", DesignDocument{"short", "fifteen items", config, true}) == 2);
    CHECK(store.save_design("data_science", twelve) == 1);  // versions count per bank

    const StoredDesign latest = store.load_design("mathematics", "short");
    CHECK(latest.version == 2);
    CHECK(latest.document.description == "fifteen items");
    CHECK(latest.document.config.stopping.max_length == 15);
    const StoredDesign first = store.load_design("mathematics", "short", 1);
    CHECK(first.note == "by hand");
    CHECK(first.document.config.stopping.max_length == 12);
    CHECK(first.document.balance_topics);
    // On the bank, a balanced design gives every topic an equal share.
    const BankDocument bank = store.load_bank("mathematics");
    CHECK(first.config_on(bank).content.topics.size() == bank.info.topics.size());

    const std::vector<StoredDesign> listed = store.designs("mathematics");
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].version == 2);
    CHECK(store.designs().size() == 2);

    CHECK_THROWS_AS(store.load_design("mathematics", "short", 3), StoreError);
    CHECK_THROWS_AS(store.load_design("mathematics", "nonesuch"), StoreError);
    CHECK_THROWS_AS(store.save_design("physics", twelve), StoreError);
    CHECK_THROWS_AS(store.save_design("mathematics", DesignDocument{"bad name!", "", config, false}), InvalidArgument);
    CHECK_THROWS_AS(store.database().execute("UPDATE designs SET note = 'changed'"), StoreError);
  });
}

TEST_CASE("design store: Sympson-Hetter parameters hold only on the bank version they were calibrated on") {
  for_each_engine([](Store& store) {
    BankDocument bank = read_bank_json_file(shipped("mathematics"));
    store.import_bank(bank);
    SessionConfig config;
    config.exposure.method = ExposureMethod::sympson_hetter;
    config.exposure.sympson_hetter.assign(bank.bank.size(), 0.5);
    const DesignDocument calibrated{"sh", "", config, false};
    REQUIRE(store.save_design("mathematics", calibrated) == 1);
    CHECK_NOTHROW(store.load_design("mathematics", "sh").config_on(store.load_bank("mathematics")));

    bank.info.version += 1;  // a new version of the bank: the parameters are another bank's
    store.import_bank(BankDocument{bank.info, ItemBank(bank.bank.items(), bank.bank.scaling(), {},
                                                       BankIdentity{"mathematics", bank.info.version})});
    CHECK_THROWS_WITH_AS(store.load_design("mathematics", "sh").config_on(store.load_bank("mathematics")),
                         doctest::Contains("calibrate its exposure again"), InvalidArgument);
    // Stored again on the new version, the same parameters are a new design version.
    CHECK(store.save_design("mathematics", calibrated) == 2);
  });
}
