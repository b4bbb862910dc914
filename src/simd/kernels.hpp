#pragma once
// The hot kernels, compiled once for each instruction set Highway targets on this architecture (on x86-64: SSSE3,
// SSE4, AVX2, AVX-512 and a scalar baseline) and chosen at the first call from the CPU. They are plain loops over
// plain arrays, which the compiler vectorizes for each target; with multiplies and adds never fused
// (-ffp-contract=off), every target gives the same bits.
//
// IRTCAT_SIMD=<target> (avx3, avx2, sse4, ssse3 or scalar, any case) makes every kernel run on that target, one the
// CPU has: CI runs the tests on each in turn.

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "detail/dichotomous_information.hpp"
#include "detail/dichotomous_probability.hpp"
#include "detail/screening_bounds.hpp"
#include "detail/selection_blocks.hpp"

namespace irtcat::detail::simd {

/// The information of the dichotomous rows [0, n) at θ into out[0, n) (dichotomous_information).
void information(const DichotomousColumns& rows, Eigen::Index n, double theta, double* out);

/// The candidates of MaxInformationSearch: padded to whole kInformationBlock blocks, sorted by falling bound, and
/// each row's bank index (padding rows hold an index past the bank).
struct CandidateRows {
  DichotomousColumns rows;
  const double* bound = nullptr;
  const std::size_t* bank_index = nullptr;
  Eigen::Index size = 0;
};

/// Updates (best, best_information) with the eligible candidates whose information beats it (a tie goes to the
/// lower bank index). True when the bounds stopped the scan: no later candidate could beat the best.
bool scan(const CandidateRows& candidates, double theta, std::span<const char> eligible, std::ptrdiff_t& best,
          double& best_information);

/// out[q] = exp(a[q] + b[q] − top) for q in [0, n): every argument at most 0 (top is the largest a + b), −infinity
/// allowed.
void exp_shifted(const double* a, const double* b, double top, double* out, Eigen::Index n);

/// The calibration's E-step for one response pattern (Bock & Aitkin): out = base + Σ_i table[cells[i]], the rows
/// (each `nodes` long, row-major) of the answers' log-probabilities; and rows[cells[i]] += add for each answer.
void add_table_rows(const double* table, Eigen::Index nodes, const std::int32_t* cells, std::size_t count,
                    const double* base, double* out);
void add_to_rows(const double* add, Eigen::Index nodes, const std::int32_t* cells, std::size_t count, double* rows);

/// probability_block (detail/dichotomous_probability.hpp) of the rows from `start`, with or without the logs.
void probabilities(const DichotomousColumns& rows, Eigen::Index start, double theta, Logs logs, ProbabilityBlock& out);

/// The selection rules' block kernels (detail/selection_blocks.hpp).
void kullback_leibler(const double* log_p, Eigen::Index nodes, const double* weights, double total,
                      const double* at_theta, const double* log_at_theta, double* out);
void posterior_variance(const double* panel, const MomentColumns& weights, const double* at_theta, double* out);
void posterior_means(const double* panel, const MomentColumns& weights, double mean, double* out);
void weighted_information(const double* table, Eigen::Index stride, const double* weights, Eigen::Index nodes,
                          double* out);

/// The screening intervals of `count` items of a dichotomous-only bank from item `start` (detail/screening_bounds.hpp),
/// from their probability_block.
void kullback_leibler_screen(const ProbabilityBlock& block, Eigen::Index start, Eigen::Index count,
                             const KullbackLeiblerScreen& screen, double* low, double* high);
void posterior_variance_screen(const ProbabilityBlock& block, Eigen::Index start, Eigen::Index count,
                               const PosteriorVarianceScreen& screen, double* low, double* high);

/// LowRankTable::approximate's pass over the table: for each of `columns` (1 or 3) weight vectors, projected onto the
/// basis (projected[c·kRank + k], single precision), the sums of every row: sums[c·padded + row] =
/// Σ_k panels(row, k)·projected[c][k], in the table's panels of kBlock rows (`padded` rows in all).
void low_rank_sums(const float* panels, Eigen::Index padded, Eigen::Index rank, const float* projected, int columns,
                   float* sums);

/// The name of the target the kernels run on ("AVX2", "AVX3" for AVX-512, ...). Throws InvalidArgument when
/// IRTCAT_SIMD names a target that is unknown or that this CPU lacks.
std::string target_name();

/// The targets this CPU has among those compiled, best first (Highway's bits), whatever IRTCAT_SIMD or use_target
/// chose.
std::vector<std::int64_t> available_targets();

/// Runs the kernels on `target` (one of available_targets()), or when 0 on IRTCAT_SIMD's target again (the best
/// without it). For tests; not safe while kernels run on other threads.
void use_target(std::int64_t target);

}  // namespace irtcat::detail::simd
