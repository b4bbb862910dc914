#pragma once
// The bank the session target restores sessions on (and make_session_seed.cpp writes the seeds for): ten items of
// three topics, every model, bank "fuzz" version 1.

#include <string>
#include <vector>

#include "irtcat/item_bank.hpp"

namespace irtcat::fuzz {

inline ItemBank session_bank() {
  std::vector<Item> items;
  for (int i = 0; i < 10; ++i) {
    std::string name = "s";  // (not "s" + ...: GCC 12 warns of a false -Wrestrict there)
    name += std::to_string(i + 1);
    const ItemId id(name);
    const double b = -2.0 + 0.45 * i;
    switch (i % 5) {
      case 0: items.push_back(Item::dichotomous(id, Model::two_pl, 1.0 + 0.1 * i, b)); break;
      case 1: items.push_back(Item::dichotomous(id, Model::three_pl, 1.2, b, 0.2)); break;
      case 2: items.push_back(Item::dichotomous(id, Model::four_pl, 1.4, b, 0.1, 0.9)); break;
      case 3: items.push_back(Item::polytomous(id, Model::grm, 1.1, {b - 0.5, b + 0.5})); break;
      default: items.push_back(Item::polytomous(id, Model::gpcm, 0.8, {b, b + 0.3})); break;
    }
  }
  std::vector<ItemMetadata> metadata(items.size());
  const char* topics[] = {"algebra", "geometry", "statistics"};
  for (std::size_t i = 0; i < metadata.size(); ++i) metadata[i].topic = topics[i % 3];
  return ItemBank(std::move(items), 1.0, std::move(metadata), BankIdentity{"fuzz", 1});
}

}  // namespace irtcat::fuzz
