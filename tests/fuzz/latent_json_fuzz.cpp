// Fuzz target: a latent distribution file (irtcat calibrate --latent --out; simulate --battery-prior). What reads
// back is valid, and writes and reads back as the same numbers.
#include <sstream>

#include "fuzz_target.hpp"
#include "irtcat/latent_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  irtcat::fuzz::run_refusing_only_typed_errors([&] {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    const irtcat::LatentEstimate estimate = irtcat::read_latent_json(in, "fuzz.json");
    estimate.distribution.validate();
    irtcat::fuzz::require(estimate.distribution.mean.size() == static_cast<Eigen::Index>(estimate.domains.size()),
                          "a mean per domain");
    std::ostringstream out;
    irtcat::write_latent_json(out, estimate);
    std::istringstream again(out.str());
    const irtcat::LatentEstimate back = irtcat::read_latent_json(again, "again.json");
    irtcat::fuzz::require(back.domains == estimate.domains && back.distribution.mean == estimate.distribution.mean &&
                              back.distribution.covariance == estimate.distribution.covariance,
                          "the same estimate after writing and reading back");
  });
  return 0;
}
