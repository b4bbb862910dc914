#pragma once
// irtcat bank responses|rescore, registered on the `bank` command (bank_command.cpp).

#include <CLI/CLI.hpp>
#include <string>

namespace irtcat::cli {

/// Adds `responses` and `rescore` to `bank`; `db_help` describes --db as the other bank subcommands do.
void add_bank_answer_commands(CLI::App& bank, const std::string& db_help);

}  // namespace irtcat::cli
