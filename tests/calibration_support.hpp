#pragma once
// Shared by the calibration tests: response tables simulated with a fixed seed, and the marginal log-likelihood
// coded independently of the library's EM.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "irtcat/calibration.hpp"
#include "irtcat/model.hpp"
#include "test_support.hpp"

namespace irtcat::testing {

// A response table from a bank, θ ~ N(mean, sd²); each cell kept with probability `density` (else missing).
inline ResponseTable simulate_table(const std::vector<Item>& items, int persons, std::uint64_t seed, double mean = 0.0,
                                    double sd = 1.0, double density = 1.0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(mean, sd);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  ResponseTable table;
  table.file = "simulated";
  table.responses.resize(persons, static_cast<Eigen::Index>(items.size()));
  for (int p = 0; p < persons; ++p) {
    const double theta = normal(rng);
    table.person_ids.push_back(std::to_string(p + 1));
    table.lines.push_back(static_cast<std::size_t>(p + 2));
    for (std::size_t j = 0; j < items.size(); ++j) {
      const int x = draw_response(items[j], theta, 1.0, rng);
      table.responses(p, static_cast<Eigen::Index>(j)) = uniform(rng) < density ? x : ResponseTable::kMissingResponse;
    }
  }
  for (const Item& item : items) table.item_ids.push_back(item.id().str());
  return table;
}

// The marginal log-likelihood coded independently of the library's EM: category_terms at 61 nodes on [−6, 6],
// N(0, 1) weights normalized (mirt's quadrature).
inline double marginal_log_likelihood(const std::vector<Item>& items, const ResponseTable& table) {
  const int q_count = 61;
  std::vector<double> nodes(q_count), log_w(q_count);
  double total = 0.0;
  for (int q = 0; q < q_count; ++q) {
    nodes[q] = -6.0 + 12.0 * q / (q_count - 1);
    total += std::exp(-0.5 * nodes[q] * nodes[q]);
  }
  for (int q = 0; q < q_count; ++q) log_w[q] = -0.5 * nodes[q] * nodes[q] - std::log(total);
  std::vector<std::vector<CategoryTerms>> terms(items.size());
  for (std::size_t j = 0; j < items.size(); ++j) {
    for (int q = 0; q < q_count; ++q) terms[j].push_back(category_terms(items[j], nodes[q]));
  }
  double sum = 0.0;
  for (Eigen::Index p = 0; p < table.responses.rows(); ++p) {
    std::vector<double> log_l(log_w);
    for (std::size_t j = 0; j < items.size(); ++j) {
      const int x = table.responses(p, static_cast<Eigen::Index>(j));
      if (x < 0) continue;
      for (int q = 0; q < q_count; ++q) log_l[q] += terms[j][q].log_p[x];
    }
    const double top = *std::max_element(log_l.begin(), log_l.end());
    double s = 0.0;
    for (double v : log_l) s += std::exp(v - top);
    sum += top + std::log(s);
  }
  return sum;
}

}  // namespace irtcat::testing
