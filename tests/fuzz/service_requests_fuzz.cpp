// Fuzz target: the service's request bodies (src/service/cat_service.cpp), without the HTTP layer. The first byte
// picks the call (create a section, create a session, submit results to one live session), the rest is its JSON
// body; a body that is not JSON never reaches the service (the HTTP layer answers 400 itself). A refusal must be a
// RequestError with a 4xx status or one of irtcat's typed errors, on one line; and the live session must still
// rebuild from the store after every call.
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "fuzz_target.hpp"
#include "irtcat/bank_json.hpp"
#include "irtcat/store.hpp"
#include "service/cat_service.hpp"
#include "service/service_store.hpp"

namespace {

using irtcat::service::json;

// One database, one client, one section and one live session for the whole run.
struct World {
  std::string database;
  std::unique_ptr<irtcat::service::CatService> service;
  std::string client;
  std::string section;
  std::string session;

  World()
      : database((std::filesystem::temp_directory_path() /
                  ("irtcat_fuzz_service_" + std::to_string(::getpid()) + ".db"))
                     .string()) {
    std::filesystem::remove(database);
    {
      irtcat::Store store(database, irtcat::OpenMode::create);
      store.import_bank(irtcat::read_bank_json_file(IRTCAT_ITEM_BANKS "/mathematics.json"));
      client = irtcat::service::add_client(store, "fuzz").id;
    }
    irtcat::ServiceOptions options;
    options.database = database;
    service = std::make_unique<irtcat::service::CatService>(options);
    // base64 of {"bank":"mathematics"}
    section = service->create_section(client, {{"sectionConfiguration", "eyJiYW5rIjoibWF0aGVtYXRpY3MifQ=="}})
                  .body.at("sectionIdentifier")
                  .get<std::string>();
    session =
        service->create_session(client, section, {{"seed", 1}}).body.at("sessionIdentifier").get<std::string>();
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  // The static World dies at exit: the service closes its database before the file goes.
  ~World() {
    service.reset();
    std::error_code ignored;
    std::filesystem::remove(database, ignored);
  }
};

World& world() {
  static World w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  World& w = world();
  const json body = json::parse(reinterpret_cast<const char*>(data) + 1, reinterpret_cast<const char*>(data) + size,
                                nullptr, false);
  if (body.is_discarded()) return 0;
  irtcat::fuzz::run_refusing_only_typed_errors([&] {
    try {
      switch (data[0] % 3) {
        case 0: w.service->create_section(w.client, body); break;
        case 1: w.service->create_session(w.client, w.section, body); break;
        default: w.service->submit_results(w.client, w.section, w.session, body); break;
      }
    } catch (const irtcat::service::RequestError& error) {
      irtcat::fuzz::require(error.status() >= 400 && error.status() < 500, "a refusal is a 4xx");
      irtcat::fuzz::check_refusal(error);
    }
    irtcat::fuzz::require(w.service->session_report(w.client, w.section, w.session).status == 200,
                          "the live session rebuilds from the store");
  });
  return 0;
}
