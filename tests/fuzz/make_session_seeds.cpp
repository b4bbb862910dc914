// Writes the session target's seed corpus: one stored session per selection rule and stopping rule, a few
// answers into each, on the bank of session_fuzz_bank.hpp. Usage: make_session_seeds FOLDER.
#include <fstream>
#include <memory>

#include "irtcat/session.hpp"
#include "session_fuzz_bank.hpp"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const auto bank = std::make_shared<const irtcat::ItemBank>(irtcat::fuzz::session_bank());
  int written = 0;
  for (const char* rule : {"mfi", "kl", "klp", "mlwi", "mpwi", "mepv", "mei", "closest", "random"}) {
    irtcat::SessionConfig config;
    config.selection.rule = irtcat::selection_rule_from_string(rule);
    config.stopping.max_length = 6;
    if (written % 3 == 1) config.stopping.se_target = 0.5;
    if (written % 3 == 2) {
      config.exposure.method = irtcat::ExposureMethod::randomesque;
      config.exposure.randomesque_count = 3;
      config.content.topics["algebra"] = {1, 3, 0.4};
      config.content.enemies.push_back({irtcat::ItemId("s1"), irtcat::ItemId("s2")});
    }
    irtcat::Session session(std::make_shared<const irtcat::TestDesign>(bank, config), 100 + written);
    for (int step = 0; step < 3; ++step) {
      const auto item = session.next_item();
      if (!item) break;
      session.record(*item, step % 2);
    }
    std::ofstream(std::string(argv[1]) + "/" + rule + ".json") << session.to_json();
    ++written;
  }
  return 0;
}
