// Calibrating new items onto a bank's scale from responses collected in live adaptive tests (fixed-item
// calibration), the workflow that replaces provisional parameters (docs/calibrating_item_banks.md).
//
// The shipped banks carry provisional parameters derived from the authors' difficulty ratings. Here one bank plays
// a bank in service: most of its items are taken as operational (already calibrated: their stored parameters are
// the truth), and every twelfth item as a new pilot item whose provisional parameters are off. Simulated candidates
// take live adaptive tests on the operational items, with a few pilot items seeded into each test (unscored, and
// never chosen by the adaptive rule, since their parameters are not yet known): a sparse response matrix, as a
// testing programme collects it. The example writes that matrix and the operational items as CSV, calibrates the
// pilot items with the operational items held fixed (the library call behind `irtcat calibrate --fixed`), and
// compares provisional, calibrated and true parameters.
//
//   calibrate_pilot_items [bank JSON file] [output directory]

#include <irtcat/irtcat.hpp>

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#ifndef IRTCAT_ITEM_BANKS
#define IRTCAT_ITEM_BANKS "item_banks"
#endif

namespace {

using namespace irtcat;

constexpr std::uint64_t kSeed = 20260107;
constexpr int kCandidates = 5000;     // candidates who took a live test while the pilot items were seeded in
constexpr int kTestLength = 20;       // operational (scored) items per test
constexpr int kPilotPerTest = 3;      // pilot (unscored) items seeded into each test
constexpr std::size_t kPilotEvery = 12;  // every twelfth item of the bank is a pilot item
constexpr double kUncertainB = 0.5;      // an SE of b above this is worth a remark

// Uniform on (0, 1) from 53 random bits, and normals by inversion: the same numbers on every platform (the
// standard library's distributions differ between implementations).
double uniform(std::mt19937_64& rng) { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53; }
double normal(std::mt19937_64& rng) { return boost::math::quantile(boost::math::normal_distribution<>(), uniform(rng)); }

int answer(const Item& item, double theta, double scaling, std::mt19937_64& rng) {
  return uniform(rng) < probability(item, theta, scaling) ? 1 : 0;
}

// The pilot item's "true" parameters: what a calibration should find. The provisional slope is off by a factor
// of up to about 1.8 either way, the difficulty by 0.8 logits (SD; one step of the authors' 1-5 rating is 1.2
// logits), and the guessing varies around 0.2.
Item true_parameters(const Item& provisional, std::mt19937_64& rng) {
  const double a = provisional.a() * std::exp(0.3 * normal(rng));
  const double b = provisional.b() + 0.8 * normal(rng);
  const double c = 0.12 + 0.12 * uniform(rng);
  return Item::dichotomous(provisional.id(), Model::three_pl, a, b, c);
}

}  // namespace

int main(int argc, char** argv) try {
  const std::string bank_file = argc > 1 ? argv[1] : IRTCAT_ITEM_BANKS "/mathematics.json";
  const std::filesystem::path output = argc > 2 ? argv[2] : "pilot_calibration";
  const BankDocument document = read_bank_json_file(bank_file);
  const ItemBank& bank = document.bank;
  const double scaling = bank.scaling();

  // ---- operational and pilot items --------------------------------------------------------------------------
  std::vector<Item> operational_items;
  std::vector<ItemMetadata> operational_metadata;
  std::vector<std::size_t> operational_position;  // bank position of each operational item
  std::vector<std::size_t> pilot_position;
  std::vector<Item> pilot_truth;
  // Each random stream has a seed of its own: answers drawn from the stream that drew the candidate's ability would
  // be correlated with it.
  const std::uint64_t truth_seed = mix_seed(kSeed, 1);
  const std::uint64_t session_seed = mix_seed(kSeed, 2);
  const std::uint64_t answer_seed = mix_seed(kSeed, 3);
  std::mt19937_64 truth_rng(truth_seed);
  for (std::size_t i = 0; i < bank.size(); ++i) {
    const Item& item = bank.items()[i];
    if (!is_dichotomous(item.model())) throw InvalidArgument("this example expects a bank of dichotomous items");
    if (i % kPilotEvery == kPilotEvery / 2) {
      pilot_position.push_back(i);
      pilot_truth.push_back(true_parameters(item, truth_rng));
    } else {
      operational_items.push_back(item);
      operational_metadata.push_back(bank.metadata(ItemIndex{i}));
      operational_position.push_back(i);
    }
  }
  const auto operational = std::make_shared<const ItemBank>(operational_items, scaling, operational_metadata,
                                                            BankIdentity{document.info.name, document.info.version});

  // ---- live adaptive tests with pilot items seeded in -------------------------------------------------------
  SessionConfig config;  // EAP with N(0, 1) on 33 points, maximum information, as `irtcat take`
  config.stopping.max_length = kTestLength;
  config.exposure.method = ExposureMethod::randomesque;  // as a programme in service would run it
  config.exposure.randomesque_count = 3;
  const auto design = std::make_shared<const TestDesign>(operational, config);

  // The candidates of this testing window are somewhat abler than the bank's reference population N(0, 1): fixed-item
  // calibration estimates their mean and variance, so the pilot items still land on the bank's scale.
  const double population_mean = 0.3;
  const double population_sd = 1.1;
  const std::vector<SimulatedCandidate> candidates = draw_candidates(
      Eigen::VectorXd::Constant(1, population_mean), Eigen::VectorXd::Constant(1, population_sd),
      Eigen::MatrixXd::Identity(1, 1), kCandidates, kSeed, "testing window");

  Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic> responses(kCandidates, static_cast<Eigen::Index>(bank.size()));
  responses.setConstant(ResponseTable::kMissingResponse);
  for (int c = 0; c < kCandidates; ++c) {
    const double theta = candidates[static_cast<std::size_t>(c)].theta(0);
    std::mt19937_64 rng(mix_seed(answer_seed, static_cast<std::uint64_t>(c)));
    Session session(design, mix_seed(session_seed, static_cast<std::uint64_t>(c)));
    while (const std::optional<ItemIndex> next = session.next_item()) {
      const int response = answer(operational->item(*next), theta, scaling, rng);
      session.record(*next, response);
      responses(c, static_cast<Eigen::Index>(operational_position[next->value])) = response;
    }
    // The pilot items: drawn at random (so that each is seen across the whole ability range), answered but not
    // scored. Where in the test they appear does not matter to the simulation: answers are independent given θ.
    for (int k = 0; k < kPilotPerTest;) {
      const auto pick = static_cast<std::size_t>(uniform(rng) * static_cast<double>(pilot_position.size()));
      const auto column = static_cast<Eigen::Index>(pilot_position[pick]);
      if (responses(c, column) != ResponseTable::kMissingResponse) continue;
      responses(c, column) = answer(pilot_truth[pick], theta, scaling, rng);
      ++k;
    }
  }

  // ---- the files a testing programme would export -----------------------------------------------------------
  std::filesystem::create_directories(output);
  const std::string responses_file = (output / "pilot_responses.csv").string();
  const std::string fixed_file = (output / "fixed_items.csv").string();
  {
    std::vector<std::size_t> columns;  // items answered at least once, in bank order
    for (std::size_t i = 0; i < bank.size(); ++i) {
      if ((responses.col(static_cast<Eigen::Index>(i)).array() != ResponseTable::kMissingResponse).any()) {
        columns.push_back(i);
      }
    }
    std::ofstream out(responses_file, std::ios::binary);
    out << "person_id";
    for (std::size_t i : columns) out << ',' << bank.items()[i].id().str();
    out << '\n';
    for (int c = 0; c < kCandidates; ++c) {
      out << candidates[static_cast<std::size_t>(c)].id;
      for (std::size_t i : columns) {
        out << ',';
        const int response = responses(c, static_cast<Eigen::Index>(i));
        if (response != ResponseTable::kMissingResponse) out << response;
      }
      out << '\n';
    }
    if (!out) throw InvalidArgument("cannot write " + responses_file);
    std::ofstream fixed_out(fixed_file, std::ios::binary);
    write_items_csv(fixed_out, *operational);
    if (!fixed_out) throw InvalidArgument("cannot write " + fixed_file);
  }

  // ---- fixed-item calibration, as `irtcat calibrate --model 3pl --fixed` runs it ----------------------------
  const ResponseTable table = read_responses_csv_file(responses_file);
  const ItemBank fixed = read_items_csv_file(fixed_file, scaling);
  // mirt's defaults (EM, 61 nodes on [-6, 6], convergence 1e-4), with the customary priors of a 3PL calibration
  // on about a thousand responses per item (lognormal on a, beta on c, as BILOG-MG has by default):
  // log a ~ N(0, 0.5²) and c ~ Beta(5, 17), mean 0.23.
  // Without them the guessing parameter of an item that few low-ability candidates answered wanders, and takes
  // a and b with it. `irtcat calibrate` takes the same priors as --prior-a 0,0.5 --prior-c 5,17.
  CalibrationOptions options;
  options.scaling = scaling;
  options.priors.slope = LognormalPrior{0.0, 0.5};
  options.priors.lower_asymptote = BetaPrior{5.0, 17.0};
  const CalibrationResult result = calibrate(table, {CalibrationModel::three_pl}, options, &fixed);

  std::printf("bank %s (version %d): %zu operational items held fixed, %zu pilot items; %d candidates, %d + %d items "
              "each\n",
              document.info.name.c_str(), document.info.version, operational->size(), pilot_position.size(),
              kCandidates, kTestLength, kPilotPerTest);
  Eigen::ArrayXd thetas(kCandidates);
  for (int c = 0; c < kCandidates; ++c) thetas(c) = candidates[static_cast<std::size_t>(c)].theta(0);
  const double sample_sd = std::sqrt((thetas - thetas.mean()).square().sum() / (kCandidates - 1));
  std::printf("calibration: %s; the candidates' mean %.2f (their true mean %.2f), SD %.2f (true %.2f)\n\n",
              result.message.c_str(), result.latent_mean, thetas.mean(), std::sqrt(result.latent_variance), sample_sd);
  std::printf("%-10s %5s   %-13s   %-27s   %-13s\n", "", "", "provisional", "calibrated (SE)", "true");
  std::printf("%-10s %5s   %6s %6s   %13s %13s   %6s %6s\n", "item", "n", "a", "b", "a", "b", "a", "b");
  double provisional_a = 0.0, provisional_b = 0.0, calibrated_a = 0.0, calibrated_b = 0.0;
  int estimated = 0;
  std::vector<std::string> uncertain;  // items whose difficulty is not pinned down yet
  for (std::size_t p = 0; p < pilot_position.size(); ++p) {
    const Item& provisional = bank.items()[pilot_position[p]];
    const Item& truth = pilot_truth[p];
    const auto column = std::find(table.item_ids.begin(), table.item_ids.end(), truth.id().str());
    const CalibratedItem& calibrated = result.items[static_cast<std::size_t>(column - table.item_ids.begin())];
    std::printf("%-10s %5zu   %6.2f %6.2f   ", truth.id().str().c_str(), calibrated.responses, provisional.a(),
                provisional.b());
    if (calibrated.status == ItemCalibrationStatus::estimated && calibrated.item) {
      const ItemStandardErrors se = calibrated.se.value_or(ItemStandardErrors{});
      std::printf("%5.2f (%5.2f) %5.2f (%5.2f)", calibrated.item->a(), se.a, calibrated.item->b(), se.b);
      calibrated_a += std::pow(calibrated.item->a() - truth.a(), 2);
      calibrated_b += std::pow(calibrated.item->b() - truth.b(), 2);
      provisional_a += std::pow(provisional.a() - truth.a(), 2);
      provisional_b += std::pow(provisional.b() - truth.b(), 2);
      ++estimated;
      if (!calibrated.se || se.b > kUncertainB) uncertain.push_back(truth.id().str());
    } else {
      std::printf("%-27s", std::string(to_string(calibrated.status)).c_str());
    }
    std::printf("   %6.2f %6.2f\n", truth.a(), truth.b());
  }
  if (estimated > 0) {
    std::printf("\nRMSE against the true parameters: provisional a %.3f, b %.3f; calibrated a %.3f, b %.3f\n",
                std::sqrt(provisional_a / estimated), std::sqrt(provisional_b / estimated),
                std::sqrt(calibrated_a / estimated), std::sqrt(calibrated_b / estimated));
  }
  if (!uncertain.empty()) {
    std::string ids;
    for (const std::string& id : uncertain) ids += (ids.empty() ? "" : ", ") + id;
    std::printf("SE of b above %.1f: %s. Too few candidates at their level answered them: keep piloting them (leave "
                "their columns out of the file that is stored) or store them and recalibrate later.\n",
                kUncertainB, ids.c_str());
  }
  std::printf("\nwrote %s and %s\n", responses_file.c_str(), fixed_file.c_str());
  std::printf("To put the calibrated parameters into the stored bank, as its version %d (content, topics and status "
              "kept; the operational items unchanged):\n"
              "  irtcat calibrate --responses %s --model 3pl --prior-a 0,0.5 --prior-c 5,17 --fixed %s --store %s [--db FILE]\n",
              document.info.version + 1, responses_file.c_str(), fixed_file.c_str(), document.info.name.c_str());
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "calibrate_pilot_items: %s\n", error.what());
  return 1;
}
