// irtcat bank import|export|validate|list|show: the banks of the SQLite store, and the database every store
// command opens (--db FILE, else $IRTCAT_DB, else the default database of default_database.cpp, made from the
// shipped banks when absent). bank responses and bank rescore are in bank_answers_command.cpp.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <unistd.h>
#include <utility>

#include "cli/bank_answers.hpp"
#include "cli/cli_common.hpp"
#include "irtcat/bank_json.hpp"
#include "irtcat/text.hpp"
#include "irtcat/error.hpp"
#include "irtcat/roles_json.hpp"
#include "irtcat/profiles.hpp"
#include "irtcat/store.hpp"
#include "irtcat/text.hpp"

#ifndef IRTCAT_DEFAULT_DB
#define IRTCAT_DEFAULT_DB "irtcat.db"
#endif
#ifndef IRTCAT_ITEM_BANKS
#define IRTCAT_ITEM_BANKS "item_banks"
#endif
#ifndef IRTCAT_DEFAULT_BANKS
#define IRTCAT_DEFAULT_BANKS ""
#endif

namespace irtcat::cli {
namespace {

namespace fs = std::filesystem;

// The default database is made on first use from the shipped banks: built under a temporary name and renamed,
// so that a concurrent first run never sees half a database.
void create_default_database(const std::string& path) {
  std::vector<BankDocument> documents;
  for (const std::string& name : split(IRTCAT_DEFAULT_BANKS, ',')) {
    if (name.empty()) continue;
    documents.push_back(read_bank_json_file((fs::path(shipped_data_directory()) / (name + ".json")).string()));
  }
  if (!fs::path(path).parent_path().empty()) fs::create_directories(fs::path(path).parent_path());
  std::string scratch = path;
  scratch += ".new-";
  scratch += std::to_string(::getpid());
  {
    Store store(scratch, OpenMode::create);
    std::vector<const BankDocument*> pointers;
    for (const BankDocument& document : documents) pointers.push_back(&document);
    store.import_banks(pointers);
    import_shipped_designs(store, (fs::path(shipped_data_directory()) / "designs").string());
  }
  std::error_code ignored;
  if (fs::exists(path)) {
    fs::remove(scratch, ignored);  // another run made it meanwhile
    return;
  }
  fs::rename(scratch, path);
}

// For people: parameters and rates to 3 decimals (the shipped banks give no more), trailing zeros dropped.
std::string format_number(double value) { return rounded_decimals(value, 3); }

void show_bank(std::ostream& out, const BankSummary& summary, const BankDocument& document) {
  const BankInfo& info = summary.info;
  std::map<std::string, int> per_topic;
  for (std::size_t i = 0; i < document.bank.size(); ++i) ++per_topic[document.bank.metadata(ItemIndex{i}).topic];
  out << "bank:       " << info.name << '\n'
      << "title:      " << info.title << '\n'
      << "domain:     " << info.domain << '\n'
      << "version:    " << info.version << '\n'
      << "scaling:    " << format_number(summary.scaling) << '\n'
      << "items:      " << summary.items << " (" << summary.active_items << " active)\n"
      << "models:     " << join(summary.models, ", ") << '\n'
      << "imported:   " << summary.imported_at << '\n'
      << "provenance: " << info.provenance << '\n'
      << "topics:\n";
  for (const std::string& topic : info.topics) out << "  " << topic << ": " << per_topic[topic] << " items\n";
}

void show_item(std::ostream& out, const BankDocument& document, ItemIndex index, double exposure) {
  const Item& item = document.bank.item(index);
  const ItemMetadata& meta = document.bank.metadata(index);
  out << "item:       " << item.id().str() << '\n'
      << "bank:       " << document.info.name << " (version " << document.info.version << ")\n"
      << "position:   " << index.value + 1 << " of " << document.bank.size() << '\n'
      << "topic:      " << meta.topic << '\n'
      << "status:     " << (meta.active ? "active" : "retired") << '\n'
      << "model:      " << to_string(item.model()) << '\n'
      << "a:          " << format_number(item.a()) << '\n';
  if (is_dichotomous(item.model())) {
    out << "b:          " << format_number(item.b()) << '\n'
        << "c:          " << format_number(item.c()) << '\n'
        << "d:          " << format_number(item.d()) << '\n';
  } else {
    std::vector<std::string> thresholds;
    for (double b : item.thresholds()) thresholds.push_back(format_number(b));
    out << "thresholds: " << join(thresholds, ", ") << '\n';
  }
  out << "source:     " << meta.parameter_source << '\n'
      << "exposure:   " << format_number(exposure) << '\n'
      << "difficulty: " << meta.content.difficulty << '\n'
      << "stem:\n" << meta.content.stem << '\n';
  for (std::size_t k = 0; k < meta.content.options.size(); ++k) {
    out << (static_cast<int>(k) == meta.content.key ? " *" : "  ") << static_cast<char>('A' + k) << ") "
        << meta.content.options[k] << '\n';
  }
  if (!meta.content.explanation.empty()) out << "explanation: " << meta.content.explanation << '\n';
}

}  // namespace

std::string database_path(const std::string& db_option) {
  if (!db_option.empty()) return db_option;
  if (const char* environment = std::getenv("IRTCAT_DB"); environment != nullptr && *environment != '\0') {
    return environment;
  }
  const std::string path = default_database_path();
  if (!fs::exists(path)) create_default_database(path);
  return path;
}

void add_bank_command(CLI::App& app) {
  struct Flags {
    std::string db;
    std::vector<std::string> files;
    bool replace = false;
    std::string name;
    std::string item;
    std::string out;
    std::string from;
    std::string to;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* bank =
      app.add_subcommand("bank", "Banks in the store: import, export, validate, list, show, responses, rescore, copy");
  bank->require_subcommand(1);
  const std::string db_help = kDatabaseHelp;

  CLI::App* import = bank->add_subcommand("import", "Import bank JSON files in one transaction: all or nothing");
  import->add_option("files", flags->files, "Bank JSON files (item_banks/*.json)")->required();
  import->add_option("--db", flags->db, db_help);
  import->add_flag("--replace", flags->replace, "Replace a stored bank of the same version whose items differ");
  import->callback([flags] {
    std::vector<BankDocument> documents;
    for (const std::string& file : flags->files) documents.push_back(read_bank_json_file(file));
    std::vector<const BankDocument*> pointers;
    for (const BankDocument& document : documents) pointers.push_back(&document);
    Store store(database_path(flags->db), OpenMode::create);
    const std::vector<ImportOutcome> outcomes = store.import_banks(pointers, flags->replace);
    std::cout << "bank,version,items,outcome\n";
    for (std::size_t i = 0; i < documents.size(); ++i) {
      std::cout << csv_quoted(documents[i].info.name) << ',' << documents[i].info.version << ','
                << documents[i].bank.size() << ',' << to_string(outcomes[i]) << '\n';
    }
  });

  CLI::App* exporter = bank->add_subcommand("export", "Write a stored bank as bank JSON (the text form)");
  exporter->add_option("name", flags->name, "The bank's name")->required();
  exporter->add_option("--db", flags->db, db_help);
  exporter->add_option("--out", flags->out, "Write the JSON here instead of standard output");
  exporter->callback([flags] {
    Store store(database_path(flags->db), OpenMode::read_only);
    const BankDocument document = store.load_bank(flags->name);
    Output output(flags->out);
    write_bank_json(output.stream(), document.info, document.bank);
    output.commit();
  });

  CLI::App* validate = bank->add_subcommand(
      "validate", "Check bank JSON files without importing them (a roles file among them is checked as role profiles)");
  validate->add_option("files", flags->files, "Bank JSON files")->required();
  validate->callback([flags] {
    // Every file is checked before anything is printed. A roles file (item_banks/roles.json, which a glob over
    // item_banks/*.json takes in) is checked as what it is, and named on standard error instead of in the table.
    std::vector<std::pair<std::string, BankDocument>> documents;
    std::vector<std::string> notes;
    for (const std::string& file : flags->files) {
      if (json_document_format(file) == "irtcat.roles") {
        const RoleCatalog roles = read_role_catalog_file(file);
        notes.push_back(file + ": role profiles (irtcat.roles), not a bank: valid, " +
                        std::to_string(roles.roles.size()) + " roles over " + std::to_string(roles.domains.size()) +
                        " domains and " + std::to_string(roles.levels.size()) + " levels");
      } else {
        documents.emplace_back(file, read_bank_json_file(file));
      }
    }
    for (const std::string& note : notes) std::cerr << "irtcat: " << note << '\n';
    std::cout << "file,bank,version,items,models,topics\n";
    for (const auto& [file, document] : documents) {
      std::vector<std::string> models;
      for (const Item& item : document.bank.items()) {
        const std::string model(to_string(item.model()));
        if (std::find(models.begin(), models.end(), model) == models.end()) models.push_back(model);
      }
      std::cout << csv_quoted(file) << ',' << csv_quoted(document.info.name) << ','
                << document.info.version << ',' << document.bank.size() << ','
                << csv_quoted(join(models, "; ")) << ','
                << csv_quoted(join(document.info.topics, "; ")) << '\n';
    }
  });

  // A whole database into another: an SQLite file into the PostgreSQL database that several servers share.
  CLI::App* copy = bank->add_subcommand(
      "copy", "Copy a whole database (banks, designs, sessions and their logs) into an empty one, e.g. to PostgreSQL");
  copy->add_option("--from", flags->from, "The database to copy: a file, or a postgresql:// URI")->required();
  copy->add_option("--to", flags->to, "The empty database to copy into: a postgresql:// URI, or a file")->required();
  copy->callback([flags] {
    Store from(flags->from, OpenMode::read_only);
    Store to(flags->to, OpenMode::create);
    const StoreCopy copied = copy_store(from, to);
    std::cout << "copied " << copied.banks << " banks, " << copied.sessions << " sessions and " << copied.responses
              << " responses from " << from.database().path() << " to " << to.database().path() << '\n';
  });

  CLI::App* list = bank->add_subcommand("list", "Every stored bank: name,title,version,items,models,topics");
  list->add_option("--db", flags->db, db_help);
  list->callback([flags] {
    Store store(database_path(flags->db), OpenMode::read_only);
    std::cout << "name,title,version,items,models,topics\n";
    for (const BankSummary& summary : store.banks()) {
      std::cout << csv_quoted(summary.info.name) << ',' << csv_quoted(summary.info.title) << ','
                << summary.info.version << ',' << summary.items << ','
                << csv_quoted(join(summary.models, "; ")) << ','
                << csv_quoted(join(summary.info.topics, "; ")) << '\n';
    }
  });

  add_bank_answer_commands(*bank, db_help);

  CLI::App* show = bank->add_subcommand("show", "Show one stored bank, or one of its items");
  show->add_option("name", flags->name, "The bank's name")->required();
  show->add_option("item", flags->item, "An item id of the bank");
  show->add_option("--db", flags->db, db_help);
  show->callback([flags] {
    Store store(database_path(flags->db), OpenMode::read_only);
    const BankDocument document = store.load_bank(flags->name);
    if (flags->item.empty()) {
      show_bank(std::cout, *store.bank_summary(flags->name), document);
      return;
    }
    const auto index = document.bank.find(ItemId(flags->item));
    if (!index) throw UnknownItem("bank " + quoted_value(flags->name) + " holds no item " + quoted_value(flags->item));
    show_item(std::cout, document, *index, store.exposure_parameters(flags->name)[index->value]);
  });
}

}  // namespace irtcat::cli
