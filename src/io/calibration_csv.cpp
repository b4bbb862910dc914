#include "irtcat/calibration_csv.hpp"

#include <algorithm>
#include <ostream>

#include "irtcat/text.hpp"

namespace irtcat {
namespace {

std::string cell(double value) { return format_double(value); }

}  // namespace

void write_calibration_csv(std::ostream& out, const CalibrationResult& result) {
  std::size_t max_thresholds = 0;
  for (const CalibratedItem& item : result.items) {
    if (item.item && !is_dichotomous(item.item->model())) {
      max_thresholds = std::max(max_thresholds, item.item->thresholds().size());
    }
  }
  out << "id,model,a,b,c,d";
  for (std::size_t k = 1; k <= max_thresholds; ++k) out << ",b" << k;
  out << ",se_a,se_b,se_c,se_d";
  for (std::size_t k = 1; k <= max_thresholds; ++k) out << ",se_b" << k;
  out << ",sx2,sx2_df,sx2_p,infit,outfit,responses,status\n";
  for (const CalibratedItem& calibrated : result.items) {
    if (!calibrated.item) continue;  // inestimable: reported on standard error, not a valid items-CSV row
    const Item& item = *calibrated.item;
    const bool dichotomous = is_dichotomous(item.model());
    std::string_view model = to_string(item.model());
    if (calibrated.model == CalibrationModel::rasch) model = "rasch";
    out << csv_quoted(item.id().str()) << ',' << model << ',' << cell(item.a()) << ',';
    if (dichotomous) {
      out << cell(item.b()) << ',' << cell(item.c()) << ',' << cell(item.d());
    } else {
      out << ",,";
    }
    for (std::size_t k = 0; k < max_thresholds; ++k) {
      out << ',';
      if (!dichotomous && k < item.thresholds().size()) out << cell(item.thresholds()[k]);
    }
    const auto& se = calibrated.se;
    const bool free_slope = calibrated.model != CalibrationModel::rasch && calibrated.model != CalibrationModel::pcm;
    out << ',' << (se && free_slope ? cell(se->a) : "") << ',' << (se && dichotomous ? cell(se->b) : "") << ','
        << (se && (item.model() == Model::three_pl || item.model() == Model::four_pl) ? cell(se->c) : "") << ','
        << (se && item.model() == Model::four_pl ? cell(se->d) : "");
    for (std::size_t k = 0; k < max_thresholds; ++k) {
      out << ',';
      if (se && k < se->thresholds.size()) out << cell(se->thresholds[k]);
    }
    const ItemFit& fit = calibrated.fit;
    out << ',' << (fit.s_x2 ? cell(*fit.s_x2) : "") << ',' << (fit.s_x2_df ? std::to_string(*fit.s_x2_df) : "") << ','
        << (fit.s_x2_p ? cell(*fit.s_x2_p) : "") << ',' << (fit.infit ? cell(*fit.infit) : "") << ','
        << (fit.outfit ? cell(*fit.outfit) : "") << ',' << calibrated.responses << ',' << to_string(calibrated.status)
        << '\n';
  }
}

}  // namespace irtcat
