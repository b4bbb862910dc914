// irtcat take: an adaptive test in the terminal on a stored bank. Each answer is committed to the store before
// the next item is shown, so a test killed at any moment resumes (--resume ID) at the next item: nothing
// answered is lost or asked again, and the items are those an uninterrupted test would have chosen.

#include <algorithm>
#include <cstdlib>
#include <cctype>
#include <cmath>
#include <random>

#include "cli/cli_common.hpp"
#include "cli/design_flags.hpp"
#include "irtcat/error.hpp"
#include "irtcat/profiles.hpp"
#include "irtcat/roles_json.hpp"
#include "irtcat/store.hpp"
#include "irtcat/text.hpp"

namespace irtcat::cli {
namespace {

// The terminal's width from $COLUMNS (which shells set), else 80; lines are kept a column short of it.
std::size_t terminal_width() {
  const char* columns = std::getenv("COLUMNS");
  const std::optional<double> width = columns != nullptr ? parse_double(columns) : std::nullopt;
  return width && *width >= 20 && *width <= 1000 ? static_cast<std::size_t>(*width) - 1 : 79;
}

std::string resume_hint(const std::string& bank, std::int64_t session) {
  std::string hint = "irtcat take --bank '";
  hint += bank;
  hint += "' --resume ";
  hint += std::to_string(session);
  return hint;
}

struct Answer {
  int category = 0;           // the scored response
  std::optional<int> option;  // the option chosen, for an item with options
};

// What an answer line stands for, if it is a valid answer to `item`: a letter of an option (scored against the
// key), or for an item without options a category number 0..K.
std::optional<Answer> parse_answer(const std::string& line, const Item& item, const ItemContent& content) {
  const std::string answer = std::string(trim(line));
  if (!content.options.empty()) {
    const std::optional<int> letter = option_from_letter(answer);
    if (!letter) return std::nullopt;
    const std::optional<int> category = option_category(item, content, static_cast<std::size_t>(*letter));
    if (!category) return std::nullopt;
    return Answer{*category, *letter};
  }
  if (answer.empty() || answer.size() > 2 || !std::all_of(answer.begin(), answer.end(), ::isdigit)) return std::nullopt;
  const int category = std::stoi(answer);
  if (category >= item.category_count()) return std::nullopt;
  return Answer{category, std::nullopt};
}

std::string answer_prompt(const Item& item, const ItemContent& content) {
  std::string prompt = "Answer (";
  if (!content.options.empty()) {
    prompt += 'A';
    prompt += '-';
    prompt += static_cast<char>('A' + content.options.size() - 1);
  } else {
    prompt += "0-";
    prompt += std::to_string(item.category_count() - 1);
  }
  prompt += "): ";
  return prompt;
}

void show_item(std::ostream& out, const ItemBank& bank, ItemIndex index, std::size_t number, int max_length) {
  const ItemMetadata& meta = bank.metadata(index);
  out << "\nQuestion " << number << " of at most " << max_length;
  if (!meta.topic.empty()) out << "  [" << meta.topic << "]";
  const std::size_t width = terminal_width();
  out << '\n' << wrap_words(meta.content.stem.empty() ? bank.item(index).id().str() : meta.content.stem, width) << '\n';
  for (std::size_t k = 0; k < meta.content.options.size(); ++k) {
    std::string option(1, static_cast<char>('A' + k));
    option += ") ";
    option += meta.content.options[k];
    out << "  " << wrap_words(option, width - 2, "     ") << '\n';
  }
}

void report(std::ostream& out, const BankInfo& info, const RoleCatalog& catalog, const Session& session) {
  const AbilityEstimate& estimate = session.estimate();
  const double score = catalog.scale.score(estimate.theta);
  const std::string& level = catalog.level_name(estimate.theta);
  // For people: θ and SE to 3 decimals, the scale score to 1 (150 + 50θ moves 0.05 per 0.001 of θ).
  out << "\nTest finished: " << session.history().size() << " items (" << to_string(session.stop_reason()) << ").\n"
      << "theta " << fixed_decimals(estimate.theta, 3) << ", SE " << fixed_decimals(estimate.se, 3) << '\n'
      << "scale score " << fixed_decimals(score, 1) << " of " << rounded_decimals(catalog.scale.max, 1);
  if (std::isfinite(estimate.se)) {
    // theta ± 1.96 SE, mapped to the scale (which clips at its ends).
    out << " (95 % interval " << fixed_decimals(catalog.scale.score(estimate.theta - 1.96 * estimate.se), 1) << " to "
        << fixed_decimals(catalog.scale.score(estimate.theta + 1.96 * estimate.se), 1) << ')';
  }
  out << ", level " << level << '\n';
  out << "by topic:\n";
  for (const TopicScore& topic : topic_scores(session.design().bank(), session.history(), info.topics)) {
    out << "  " << (topic.topic.empty() ? "(no topic)" : topic.topic) << ": " << topic.items
        << (topic.items == 1 ? " item, " : " items, ") << topic.score << " correct\n";
  }
}

}  // namespace

void add_take_command(CLI::App& app) {
  struct Flags {
    std::string bank;
    std::string db;
    std::string roles = shipped_data_directory() + "/roles.json";
    std::string candidate;
    std::int64_t resume = 0;
    std::optional<std::uint64_t> seed;
    DesignFlags design;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command = app.add_subcommand(
      "take", "Take an adaptive test in the terminal (answers are stored at once); the bank's standard design unless "
              "--design or options say otherwise");
  command->add_option("--bank", flags->bank, "The stored bank to test on (irtcat bank list)");
  command->add_option("--db", flags->db, kDatabaseHelp);
  command->add_option("--resume", flags->resume, "Continue the stored session with this id")
      ->check(CLI::PositiveNumber);
  command->add_option("--candidate", flags->candidate, "The candidate's identifier, stored with the session");
  command->add_option("--seed", flags->seed, "Seed of the test's random choices (default: random)");
  command->add_option("--roles", flags->roles, "The reporting scale and levels (roles file)")->capture_default_str();
  flags->design.add_to(*command);
  command->callback([flags] {
    if (flags->bank.empty() && flags->resume == 0) throw InvalidArgument("take: give --bank NAME (or --resume ID)");
    const RoleCatalog catalog = read_role_catalog_file(flags->roles);
    Store store(database_path(flags->db), OpenMode::read_write);
    std::ostream& out = std::cout;

    std::int64_t id = flags->resume;
    std::optional<StoredSession> stored;
    if (id != 0) {
      stored = store.load_session(id);
      if (!flags->bank.empty() && flags->bank != stored->bank) {
        std::string message = "take: session ";
        message += std::to_string(id);
        message += " is a test on bank '";
        message += stored->bank;
        message += "', not on '";
        message += flags->bank;
        message += "'";
        throw InvalidArgument(message);
      }
      if (flags->design.has_design() || flags->design.any_given()) {
        throw InvalidArgument("take: a resumed test keeps its design: --resume goes without --design and its options");
      }
    }
    const std::string bank_name = stored ? stored->bank : flags->bank;
    BankDocument document = store.load_bank(bank_name);
    const BankInfo info = document.info;

    std::optional<Session> session;
    std::shared_ptr<const ItemBank> bank;
    if (stored) {
      bank = std::make_shared<const ItemBank>(std::move(document.bank));
      session.emplace(restore_session(*stored, bank));
      out << "Resuming session " << id << " on bank " << info.name << " (version " << info.version << ") after "
          << stored->responses.size() << " answers.\n";
    } else {
      const ResolvedDesign design = resolve_design(flags->design, &store, document, "standard");
      require_live_exposure(design.config.exposure, "take");
      bank = std::make_shared<const ItemBank>(std::move(document.bank));
      std::uint64_t seed = 0;
      if (flags->seed) {
        seed = *flags->seed;
      } else {
        std::random_device device;
        seed = (static_cast<std::uint64_t>(device()) << 32) ^ device();
      }
      session.emplace(bank, design.config, seed);
      SessionLabels labels = design.labels;
      labels.candidate = flags->candidate;
      id = store.create_session(info.name, info.version, design.config, seed, labels);
      out << "Session " << id << " on bank " << info.name << " (version " << info.version << "), design "
          << design.label << ", seed " << seed << ".\nIf interrupted, resume with: " << resume_hint(info.name, id)
          << '\n';
    }
    const int max_length = session->design().config().stopping.max_length;
    // Progressive-restricted control chooses with the bank's exposure counts over its stored tests, and the item it
    // offers is stored, so that a resumed test offers it again whatever the counts are by then.
    const bool counted = session->design().config().exposure.method == ExposureMethod::progressive_restricted;
    const auto offer = [&]() -> std::optional<ItemIndex> {
      if (!counted) return session->next_item();
      const ExposureCounts counts = store.exposure_counts(info.name);
      const std::optional<ItemIndex> item = session->next_item(&counts);
      if (item) store.offer_item(id, bank->item(*item).id().str());
      return item;
    };

    while (const std::optional<ItemIndex> next = offer()) {
      const Item& item = bank->item(*next);
      const ItemContent& content = bank->metadata(*next).content;
      const std::size_t number = session->history().size() + 1;
      show_item(out, *bank, *next, number, max_length);
      std::optional<Answer> answer;
      while (!answer) {
        out << answer_prompt(item, content) << std::flush;
        std::string line;
        if (!std::getline(std::cin, line)) {
          out << "\nStopped after " << number - 1 << " answers; resume with: " << resume_hint(info.name, id) << '\n';
          return;
        }
        answer = parse_answer(line, item, content);
        if (!answer) out << "Please answer with one of the letters or numbers shown.\n";
      }
      const int response = answer->category;
      // Committed before the next item is chosen or shown, with the option chosen beside its score.
      store.append_response(id, static_cast<std::int64_t>(number), item.id().str(), response, answer->option);
      session->record(*next, response);
    }
    store.finish_session(id, session->estimate(), session->stop_reason());
    report(out, info, catalog, *session);
  });
}

}  // namespace irtcat::cli
