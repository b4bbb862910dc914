// calibrate(): checks the data, sets up the EM problem (items, categories, compressed patterns, starting values),
// runs EM, and reports the estimates in irtcat's parameterization with standard errors and fit.

#include "irtcat/calibration.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <string>
#include <unordered_map>

#include "detail/ascii.hpp"
#include "detail/calibration_internal.hpp"
#include "detail/csv.hpp"
#include "detail/one_line.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
namespace {

using detail::CalibrationProblem;
using detail::ItemSpec;
using detail::ParameterState;

bool dichotomous_model(CalibrationModel model) {
  return model == CalibrationModel::rasch || model == CalibrationModel::one_pl || model == CalibrationModel::two_pl ||
         model == CalibrationModel::three_pl || model == CalibrationModel::four_pl;
}

CalibrationModel from_item_model(Model model) {
  switch (model) {
    case Model::one_pl: return CalibrationModel::one_pl;
    case Model::two_pl: return CalibrationModel::two_pl;
    case Model::three_pl: return CalibrationModel::three_pl;
    case Model::four_pl: return CalibrationModel::four_pl;
    case Model::grm: return CalibrationModel::grm;
    case Model::gpcm: return CalibrationModel::gpcm;
    case Model::pcm: return CalibrationModel::pcm;
  }
  return CalibrationModel::two_pl;
}

std::string number_text(double value) {
  std::string text = std::to_string(value);
  return text;
}

// What the data say about one column before estimation.
struct ColumnSummary {
  std::vector<double> category_counts;
  std::size_t responses = 0;
  int highest = -1;
};

// Pearson correlation of each item's score with the mean score (category / K) of the person's other items.
std::vector<double> item_rest_correlations(const ResponseTable& table, const std::vector<int>& top) {
  const Eigen::Index persons = table.responses.rows();
  const Eigen::Index columns = table.responses.cols();
  std::vector<double> total(static_cast<std::size_t>(persons), 0.0);
  std::vector<int> answered(static_cast<std::size_t>(persons), 0);
  for (Eigen::Index p = 0; p < persons; ++p) {
    for (Eigen::Index j = 0; j < columns; ++j) {
      const int x = table.responses(p, j);
      if (x < 0 || top[static_cast<std::size_t>(j)] <= 0) continue;
      total[static_cast<std::size_t>(p)] += static_cast<double>(x) / top[static_cast<std::size_t>(j)];
      ++answered[static_cast<std::size_t>(p)];
    }
  }
  std::vector<double> correlation(static_cast<std::size_t>(columns), 0.3);
  for (Eigen::Index j = 0; j < columns; ++j) {
    const int k = top[static_cast<std::size_t>(j)];
    if (k <= 0) continue;
    double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (Eigen::Index p = 0; p < persons; ++p) {
      const int x = table.responses(p, j);
      const int others = answered[static_cast<std::size_t>(p)] - 1;
      if (x < 0 || others < 1) continue;
      const double rest = (total[static_cast<std::size_t>(p)] - static_cast<double>(x) / k) / others;
      n += 1;
      sx += x;
      sy += rest;
      sxx += double(x) * x;
      syy += rest * rest;
      sxy += x * rest;
    }
    if (n < 3) continue;
    const double vx = sxx - sx * sx / n;
    const double vy = syy - sy * sy / n;
    if (vx > 0 && vy > 0) correlation[static_cast<std::size_t>(j)] = (sxy - sx * sy / n) / std::sqrt(vx * vy);
  }
  return correlation;
}

// √(gᵀ V g) over the flat indices touched.
double delta_se(const Eigen::MatrixXd& covariance, const std::vector<std::pair<Eigen::Index, double>>& gradient) {
  double variance = 0.0;
  for (const auto& [i, gi] : gradient) {
    for (const auto& [j, gj] : gradient) variance += gi * gj * covariance(i, j);
  }
  return std::sqrt(std::max(variance, 0.0));
}

// The reported item and its standard errors from internal parameters.
void report_item(const ItemSpec& spec, const Eigen::VectorXd& par, double scaling, CalibratedItem& out) {
  const int k_max = spec.thresholds();
  const double a = par[0];
  out.slope_intercept.assign(par.data(), par.data() + 1 + k_max);
  const double c = spec.has_lower() ? par[k_max + 1] : 0.0;
  const double u = spec.has_upper() ? par[k_max + 2] : 1.0;
  if (spec.has_lower()) out.slope_intercept.push_back(c);
  if (spec.has_upper()) out.slope_intercept.push_back(u);
  if (!(a > 0.0)) {
    out.status = ItemCalibrationStatus::negative_slope;
    out.message = "the estimated slope is " + number_text(a) + " (not positive): the item does not discriminate";
    return;
  }
  try {
    switch (spec.model) {
      case CalibrationModel::rasch:
      case CalibrationModel::one_pl:
        out.item = Item::dichotomous(out.id, Model::one_pl, a / scaling, -par[1] / a);
        break;
      case CalibrationModel::two_pl: out.item = Item::dichotomous(out.id, Model::two_pl, a / scaling, -par[1] / a); break;
      case CalibrationModel::three_pl:
        out.item = Item::dichotomous(out.id, Model::three_pl, a / scaling, -par[1] / a, c);
        break;
      case CalibrationModel::four_pl:
        out.item = Item::dichotomous(out.id, Model::four_pl, a / scaling, -par[1] / a, c, u);
        break;
      case CalibrationModel::grm: {
        std::vector<double> b;
        for (int k = 1; k <= k_max; ++k) b.push_back(-par[k] / a);
        out.item = Item::polytomous(out.id, Model::grm, a / scaling, std::move(b));
        break;
      }
      case CalibrationModel::gpcm:
      case CalibrationModel::pcm: {
        std::vector<double> b;
        for (int k = 1; k <= k_max; ++k) b.push_back(-(par[k] - (k > 1 ? par[k - 1] : 0.0)) / a);
        const bool pcm = spec.model == CalibrationModel::pcm && a / scaling == 1.0;
        out.item = Item::polytomous(out.id, pcm ? Model::pcm : Model::gpcm, a / scaling, std::move(b));
        break;
      }
    }
  } catch (const InvalidItem& error) {
    out.status = ItemCalibrationStatus::negative_slope;
    out.message = error.what();
  }
}

// How close to a bound of its box (relative to the bound, at least absolutely) a parameter counts as on it.
constexpr double kOnBound = 1e-9;

// The free parameters of an estimated item that sit on a bound of their box. Each is reported (status at_bound, a
// message naming it and the one-sided score that holds it there) and then held fixed, so that the standard errors
// are those of the interior parameters. `counts` are the item's expected counts at `par`.
void flag_parameters_at_bounds(ItemSpec& spec, const Eigen::VectorXd& par, const Eigen::ArrayXd& nodes,
                               const Eigen::Ref<const detail::RowMatrix>& counts, const ParameterPriors& priors,
                               double scaling, CalibratedItem& out) {
  const detail::ParameterBox box = detail::parameter_box(spec, priors);
  const detail::ItemObjective objective = detail::item_objective(spec, par, nodes, counts, priors, true);
  const int k_max = spec.thresholds();
  std::string message;
  for (int k = 0; k < spec.parameter_count(); ++k) {
    if (!spec.free[static_cast<std::size_t>(k)]) continue;
    // On the bound up to rounding: a step cut at the box's edge, x + ((upper − x)/d)·d, can land an ulp or so inside
    // it (a slope of 29.99999999999999 then had a standard error of 50 to 100 and the status estimated).
    const auto near = [](double bound) { return kOnBound * std::max(1.0, std::abs(bound)); };
    const bool low = par[k] <= box.lower[k] + near(box.lower[k]);
    if (!low && par[k] < box.upper[k] - near(box.upper[k])) continue;
    std::string name;
    double value = par[k];
    if (k == 0) {
      name = "a";
      value /= scaling;
    } else if (k <= k_max) {
      name = k_max == 1 ? "the intercept" : "intercept " + std::to_string(k);
    } else {
      name = k == k_max + 1 ? "c" : "d";
    }
    message += message.empty() ? "" : "; ";
    message += name + " = " + detail::format_double(value) + " is at its " + (low ? "lower" : "upper") +
               " bound (score " + detail::format_double(objective.gradient[k]) + ": the likelihood rises towards it)";
    spec.free[static_cast<std::size_t>(k)] = false;
  }
  if (message.empty()) return;
  out.status = ItemCalibrationStatus::at_bound;
  out.message = message + "; no standard error for it";
}

// Why nothing could be estimated: the columns counted by status, e.g. "no item could be estimated (4 items with
// fewer than 10 responses, 1 held fixed)".
std::string no_items_message(const std::vector<CalibratedItem>& items, int min_responses) {
  const std::pair<ItemCalibrationStatus, std::string> reasons[] = {
      {ItemCalibrationStatus::too_few_responses, "with fewer than " + std::to_string(min_responses) + " responses"},
      {ItemCalibrationStatus::all_correct, "with every response in the top category"},
      {ItemCalibrationStatus::all_incorrect, "with every response in category 0"},
      {ItemCalibrationStatus::empty_category, "with a category nobody chose"},
      {ItemCalibrationStatus::fixed, "held fixed"},
  };
  std::string counts;
  for (const auto& reason : reasons) {
    const auto status = reason.first;
    const auto n = std::count_if(items.begin(), items.end(), [&](const CalibratedItem& i) { return i.status == status; });
    if (n == 0) continue;
    counts += counts.empty() ? "" : ", ";
    counts += std::to_string(n) + (n == 1 ? " item " : " items ") + reason.second;
  }
  return "no item could be estimated (" + counts + ")";
}

ItemStandardErrors item_standard_errors(const ItemSpec& spec, const Eigen::VectorXd& par, Eigen::Index offset,
                                        Eigen::Index slope_index, double scaling, const Eigen::MatrixXd& v) {
  // Flat index of each internal parameter (−1 when fixed).
  std::vector<Eigen::Index> flat(static_cast<std::size_t>(spec.parameter_count()), -1);
  Eigen::Index at = offset;
  for (int k = 0; k < spec.parameter_count(); ++k) {
    if (spec.free[static_cast<std::size_t>(k)]) flat[static_cast<std::size_t>(k)] = at++;
  }
  if (spec.model == CalibrationModel::one_pl) flat[0] = slope_index;
  auto se_of = [&](std::vector<std::pair<int, double>> terms) {
    std::vector<std::pair<Eigen::Index, double>> gradient;
    for (const auto& [k, g] : terms) {
      if (flat[static_cast<std::size_t>(k)] >= 0) gradient.emplace_back(flat[static_cast<std::size_t>(k)], g);
    }
    return delta_se(v, gradient);
  };
  ItemStandardErrors se;
  const double a = par[0];
  const int k_max = spec.thresholds();
  se.a = se_of({{0, 1.0 / scaling}});
  if (spec.dichotomous()) {
    se.b = se_of({{0, par[1] / (a * a)}, {1, -1.0 / a}});
    if (spec.has_lower()) se.c = se_of({{2, 1.0}});
    if (spec.has_upper()) se.d = se_of({{3, 1.0}});
    return se;
  }
  for (int k = 1; k <= k_max; ++k) {
    if (spec.model == CalibrationModel::grm) {
      se.thresholds.push_back(se_of({{0, par[k] / (a * a)}, {k, -1.0 / a}}));
    } else {
      const double step = par[k] - (k > 1 ? par[k - 1] : 0.0);
      std::vector<std::pair<int, double>> terms{{0, step / (a * a)}, {k, -1.0 / a}};
      if (k > 1) terms.emplace_back(k - 1, 1.0 / a);
      se.thresholds.push_back(se_of(terms));
    }
  }
  return se;
}

}  // namespace

std::string_view to_string(CalibrationModel model) noexcept {
  switch (model) {
    case CalibrationModel::rasch: return "rasch";
    case CalibrationModel::one_pl: return "1pl";
    case CalibrationModel::two_pl: return "2pl";
    case CalibrationModel::three_pl: return "3pl";
    case CalibrationModel::four_pl: return "4pl";
    case CalibrationModel::grm: return "grm";
    case CalibrationModel::gpcm: return "gpcm";
    case CalibrationModel::pcm: return "pcm";
  }
  return "unknown";
}

CalibrationModel calibration_model_from_string(std::string_view name) {
  const std::string lower = detail::ascii_lower(name);
  for (CalibrationModel model : {CalibrationModel::rasch, CalibrationModel::one_pl, CalibrationModel::two_pl,
                                 CalibrationModel::three_pl, CalibrationModel::four_pl, CalibrationModel::grm,
                                 CalibrationModel::gpcm, CalibrationModel::pcm}) {
    if (lower == to_string(model)) return model;
  }
  throw InvalidArgument("calibration_model_from_string: unknown model " + detail::quoted_value(name) +
                        " (expected rasch, 1pl, 2pl, 3pl, 4pl, grm, gpcm or pcm)");
}

std::string_view to_string(StandardErrorMethod method) noexcept {
  switch (method) {
    case StandardErrorMethod::louis: return "louis";
    case StandardErrorMethod::central_differences: return "central-differences";
  }
  return "unknown";
}

StandardErrorMethod standard_error_method_from_string(std::string_view name) {
  for (StandardErrorMethod method : {StandardErrorMethod::louis, StandardErrorMethod::central_differences}) {
    if (name == to_string(method)) return method;
  }
  throw InvalidArgument("standard_error_method_from_string: unknown method " + detail::quoted_value(name) +
                        " (expected louis or central-differences)");
}

std::string_view describe(StandardErrorMethod method) noexcept {
  switch (method) {
    case StandardErrorMethod::louis:
      return "observed information of the marginal likelihood by Louis' identity (complete-data information minus "
             "the posterior covariance of the complete-data score), delta method to the reported parameters";
    case StandardErrorMethod::central_differences:
      return "observed information of the marginal likelihood: central differences of its analytic gradient "
             "(Fisher's identity), delta method to the reported parameters";
  }
  return "unknown";
}

std::string_view to_string(CalibrationStatus status) noexcept {
  switch (status) {
    case CalibrationStatus::converged: return "converged";
    case CalibrationStatus::cycle_limit: return "cycle_limit";
    case CalibrationStatus::no_items: return "no_items";
  }
  return "unknown";
}

std::string_view to_string(ItemCalibrationStatus status) noexcept {
  switch (status) {
    case ItemCalibrationStatus::estimated: return "estimated";
    case ItemCalibrationStatus::fixed: return "fixed";
    case ItemCalibrationStatus::all_correct: return "all_correct";
    case ItemCalibrationStatus::all_incorrect: return "all_incorrect";
    case ItemCalibrationStatus::too_few_responses: return "too_few_responses";
    case ItemCalibrationStatus::empty_category: return "empty_category";
    case ItemCalibrationStatus::negative_slope: return "negative_slope";
    case ItemCalibrationStatus::at_bound: return "at_bound";
  }
  return "unknown";
}

void CalibrationOptions::validate() const {
  const std::string fn = "CalibrationOptions::validate: ";
  auto fail = [&](const std::string& what) { throw InvalidArgument(fn + what); };
  if (!(std::isfinite(quadrature_lower) && std::isfinite(quadrature_upper) && quadrature_lower < quadrature_upper)) {
    fail("the quadrature needs finite lower < upper");
  }
  if (quadrature_points < 5 || quadrature_points > 1001) fail("quadrature_points must be in 5..1001");
  if (!(tolerance > 0.0) || !std::isfinite(tolerance)) fail("tolerance must be finite and > 0");
  if (!(gradient_tolerance > 0.0)) fail("gradient_tolerance must be > 0 (infinity: judge by the change alone)");
  if (max_cycles < 1) fail("max_cycles must be >= 1");
  if (min_responses < 1) fail("min_responses must be >= 1");
  if (!(scaling > 0.0) || !std::isfinite(scaling)) fail("scaling must be finite and > 0");
  if (priors.slope && !(priors.slope->sdlog > 0.0 && std::isfinite(priors.slope->meanlog))) {
    fail("the slope prior needs sdlog > 0 and a finite meanlog");
  }
  for (const auto* beta : {&priors.lower_asymptote, &priors.upper_asymptote}) {
    if (*beta && !((*beta)->alpha >= 1.0 && (*beta)->beta >= 1.0)) fail("a beta prior needs alpha >= 1 and beta >= 1");
  }
  if (priors.difficulty && !(priors.difficulty->sd > 0.0 && std::isfinite(priors.difficulty->mean))) {
    fail("the difficulty prior needs sd > 0 and a finite mean");
  }
}

ItemBank CalibrationResult::bank(double scaling) const {
  std::vector<Item> valid;
  for (const CalibratedItem& item : items) {
    if (item.item) valid.push_back(*item.item);
  }
  return ItemBank(std::move(valid), scaling);
}

CalibrationResult calibrate(const ResponseTable& table, const std::vector<CalibrationModel>& models,
                            const CalibrationOptions& options, const ItemBank* fixed) {
  options.validate();
  const Eigen::Index persons = table.responses.rows();
  const Eigen::Index columns = table.responses.cols();
  if (persons == 0 || columns == 0) {
    throw DataError(table.file, 0, "", "the response matrix is empty: calibration needs persons and items");
  }
  if (static_cast<Eigen::Index>(table.item_ids.size()) != columns) {
    throw InvalidArgument("calibrate: the table has " + std::to_string(columns) + " columns but " +
                          std::to_string(table.item_ids.size()) + " item ids");
  }
  if (models.size() != 1 && static_cast<Eigen::Index>(models.size()) != columns) {
    throw InvalidArgument("calibrate: expected 1 model or one per item (" + std::to_string(columns) + "), got " +
                          std::to_string(models.size()));
  }
  auto line_of = [&](Eigen::Index p) {
    return static_cast<std::size_t>(p) < table.lines.size() ? table.lines[static_cast<std::size_t>(p)] : 0;
  };

  // ---- columns: model, fixed item, categories, status --------------------------------------------------------
  CalibrationResult result;
  result.items.resize(static_cast<std::size_t>(columns));
  std::vector<const Item*> fixed_items(static_cast<std::size_t>(columns), nullptr);
  std::vector<ColumnSummary> summary(static_cast<std::size_t>(columns));
  std::vector<int> categories(static_cast<std::size_t>(columns), 2);
  for (Eigen::Index j = 0; j < columns; ++j) {
    const auto uj = static_cast<std::size_t>(j);
    CalibratedItem& item = result.items[uj];
    item.id = ItemId(table.item_ids[uj]);
    item.model = models.size() == 1 ? models.front() : models[uj];
    if (fixed) {
      if (const auto index = fixed->find(item.id)) {
        fixed_items[uj] = &fixed->item(*index);
        item.model = from_item_model(fixed_items[uj]->model());
        item.status = ItemCalibrationStatus::fixed;
        item.item = *fixed_items[uj];
      }
    }
    int limit = kMaxCategories - 1;
    if (fixed_items[uj]) {
      limit = fixed_items[uj]->category_count() - 1;
    } else if (dichotomous_model(item.model)) {
      limit = 1;
    }
    ColumnSummary& s = summary[uj];
    s.category_counts.assign(static_cast<std::size_t>(kMaxCategories), 0.0);
    for (Eigen::Index p = 0; p < persons; ++p) {
      const int x = table.responses(p, j);
      if (x < 0) continue;
      if (x > limit) {
        std::string message = "category ";
        message += std::to_string(x);
        message += " is outside the ";
        message += to_string(item.model);
        message += " model of item " + detail::quoted_value(item.id.str()) + " (categories 0.." + std::to_string(limit) + ")";
        throw DataError(table.file, line_of(p), item.id.str(), message);
      }
      s.category_counts[static_cast<std::size_t>(x)] += 1.0;
      ++s.responses;
      s.highest = std::max(s.highest, x);
    }
    item.responses = s.responses;
    if (fixed_items[uj]) {
      categories[uj] = fixed_items[uj]->category_count();
      continue;
    }
    categories[uj] = dichotomous_model(item.model) ? 2 : std::max(2, s.highest + 1);
    s.category_counts.resize(static_cast<std::size_t>(categories[uj]));
    int observed = 0;
    for (double n : s.category_counts) observed += n > 0.0;
    if (s.responses < static_cast<std::size_t>(options.min_responses)) {
      item.status = ItemCalibrationStatus::too_few_responses;
      item.message = std::to_string(s.responses) + " responses, fewer than the " +
                     std::to_string(options.min_responses) + " needed";
    } else if (observed <= 1) {
      const bool bottom = s.highest == 0;
      item.status = bottom ? ItemCalibrationStatus::all_incorrect : ItemCalibrationStatus::all_correct;
      item.message = bottom ? "every response is in category 0: no finite difficulty"
                            : "every response is in the top category: no finite difficulty";
    } else if (observed < categories[uj]) {
      item.status = ItemCalibrationStatus::empty_category;
      for (int k = 0; k < categories[uj]; ++k) {
        if (s.category_counts[static_cast<std::size_t>(k)] == 0.0) {
          item.message = "nobody chose category " + std::to_string(k) + " of 0.." + std::to_string(categories[uj] - 1) +
                         ": its threshold is not identified";
          break;
        }
      }
    }
  }

  // ---- the problem: items in the likelihood, compressed patterns --------------------------------------------
  CalibrationProblem problem;
  problem.priors = options.priors;
  problem.nodes = Eigen::ArrayXd::LinSpaced(options.quadrature_points, options.quadrature_lower,
                                            options.quadrature_upper);
  std::vector<int> active_of(static_cast<std::size_t>(columns), -1);
  bool any_fixed = false;
  bool all_rasch_family = true;
  bool any_estimated = false;
  for (Eigen::Index j = 0; j < columns; ++j) {
    const auto uj = static_cast<std::size_t>(j);
    const CalibratedItem& item = result.items[uj];
    const bool is_fixed = item.status == ItemCalibrationStatus::fixed;
    if (!is_fixed && item.status != ItemCalibrationStatus::estimated) continue;
    ItemSpec spec = detail::make_item_spec(item.model, categories[uj], is_fixed);
    spec.row = static_cast<std::size_t>(problem.rows);
    problem.rows += spec.categories;
    active_of[uj] = static_cast<int>(problem.specs.size());
    problem.specs.push_back(spec);
    problem.columns.push_back(uj);
    any_fixed = any_fixed || is_fixed;
    if (!is_fixed) {
      any_estimated = true;
      all_rasch_family = all_rasch_family && (item.model == CalibrationModel::rasch || item.model == CalibrationModel::pcm);
      problem.common_slope = problem.common_slope || item.model == CalibrationModel::one_pl;
    }
  }
  if (!any_estimated) {
    result.status = CalibrationStatus::no_items;
    result.message = no_items_message(result.items, options.min_responses);
    return result;
  }
  if (any_fixed && options.estimate_latent_with_fixed_items) {
    problem.free_mean = true;
    problem.free_variance = true;
  } else if (!any_fixed && all_rasch_family) {
    problem.free_variance = true;
  }
  {
    std::unordered_map<std::string, std::size_t> seen;
    std::string key(problem.specs.size(), '\0');
    for (Eigen::Index p = 0; p < persons; ++p) {
      bool any = false;
      for (std::size_t i = 0; i < problem.specs.size(); ++i) {
        const int x = table.responses(p, static_cast<Eigen::Index>(problem.columns[i]));
        key[i] = static_cast<char>(x + 1);
        any = any || x >= 0;
      }
      if (!any) continue;  // answered none of the items in the likelihood: contributes nothing
      const auto [where, inserted] = seen.emplace(key, problem.frequencies.size());
      if (!inserted) {
        problem.frequencies[where->second] += 1.0;
        continue;
      }
      for (std::size_t i = 0; i < problem.specs.size(); ++i) {
        if (key[i] > 0) problem.cells.push_back(static_cast<std::int32_t>(problem.specs[i].row) + key[i] - 1);
      }
      problem.offsets.push_back(problem.cells.size());
      problem.frequencies.push_back(1.0);
    }
  }

  // ---- starting values --------------------------------------------------------------------------------------
  std::vector<int> top(static_cast<std::size_t>(columns), 0);
  for (std::size_t i = 0; i < problem.specs.size(); ++i) top[problem.columns[i]] = problem.specs[i].thresholds();
  const std::vector<double> correlations = item_rest_correlations(table, top);
  std::vector<const Item*> start_of(static_cast<std::size_t>(columns), nullptr);
  for (const Item& given : options.start_items) {
    const auto column = std::find(table.item_ids.begin(), table.item_ids.end(), given.id().str());
    if (column != table.item_ids.end()) start_of[static_cast<std::size_t>(column - table.item_ids.begin())] = &given;
  }
  ParameterState start;
  const boost::math::normal standard;
  for (std::size_t i = 0; i < problem.specs.size(); ++i) {
    const std::size_t j = problem.columns[i];
    if (problem.specs[i].fixed) {
      start.items.push_back(detail::internal_parameters(*fixed_items[j], fixed->scaling()));
      continue;
    }
    // Point-biserial to biserial (dichotomous): r_bis = r_pb·√(pq)/φ(Φ⁻¹(p)).
    double r = correlations[j];
    if (problem.specs[i].dichotomous()) {
      const double p = std::clamp(summary[j].category_counts[1] / double(summary[j].responses), 0.02, 0.98);
      r *= std::sqrt(p * (1.0 - p)) / pdf(standard, quantile(standard, p));
    } else {
      r *= 1.2;
    }
    start.items.push_back(detail::starting_values(problem.specs[i], summary[j].category_counts, r));
    if (const Item* given = start_of[j]) {
      if (from_item_model(given->model()) != (problem.specs[i].model == CalibrationModel::rasch
                                                  ? CalibrationModel::one_pl
                                                  : problem.specs[i].model) ||
          given->category_count() != problem.specs[i].categories) {
        throw InvalidArgument("calibrate: the starting item " + detail::quoted_value(given->id().str()) + " is " +
                              std::string(to_string(given->model())) + " with " +
                              std::to_string(given->category_count()) + " categories, but its column is calibrated as " +
                              std::string(to_string(problem.specs[i].model)) + " with " +
                              std::to_string(problem.specs[i].categories));
      }
      Eigen::VectorXd given_par = detail::internal_parameters(*given, options.scaling);
      for (int k = 0; k < problem.specs[i].parameter_count(); ++k) {
        if (problem.specs[i].free[static_cast<std::size_t>(k)]) start.items.back()[k] = given_par[k];
      }
      detail::project_onto_box(detail::parameter_box(problem.specs[i], problem.priors), start.items.back());
    }
    if (problem.specs[i].model == CalibrationModel::one_pl) start.items.back()[0] = start.slope;
  }

  // ---- EM ---------------------------------------------------------------------------------------------------
  detail::WorkerPool pool(options.threads);
  detail::EmOutcome em = detail::run_em(problem, std::move(start), options, pool);
  result.cycles = em.cycles;
  result.log_likelihood = em.estep.log_likelihood;
  result.log_likelihood_trace = std::move(em.trace);
  result.latent_mean = em.state.mean;
  result.latent_variance = em.state.variance;
  result.status = em.converged ? CalibrationStatus::converged : CalibrationStatus::cycle_limit;
  result.message = em.converged ? "converged after " + std::to_string(em.cycles) + " EM cycles"
                                : "no convergence within " + std::to_string(options.max_cycles) + " EM cycles";

  for (std::size_t i = 0; i < problem.specs.size(); ++i) {
    ItemSpec& spec = problem.specs[i];
    if (spec.fixed) continue;
    CalibratedItem& item = result.items[problem.columns[i]];
    report_item(spec, em.state.items[i], options.scaling, item);
    if (item.status != ItemCalibrationStatus::estimated) continue;
    flag_parameters_at_bounds(spec, em.state.items[i], problem.nodes,
                              em.estep.counts.middleRows(static_cast<Eigen::Index>(spec.row), spec.categories),
                              problem.priors, options.scaling, item);
  }
  if (options.standard_errors) {
    result.standard_error_method = std::string(describe(options.standard_error_method));
    const detail::CovarianceOutcome covariance =
        detail::parameter_covariance(problem, em.state, em.estep, options.standard_error_method, pool);
    if (!covariance.ok) {
      result.standard_error_message = covariance.message;
    } else {
      const detail::ParameterLayout layout = detail::parameter_layout(problem);
      for (std::size_t i = 0; i < problem.specs.size(); ++i) {
        CalibratedItem& item = result.items[problem.columns[i]];
        const bool valid = item.status == ItemCalibrationStatus::estimated || item.status == ItemCalibrationStatus::at_bound;
        if (problem.specs[i].fixed || !valid) continue;
        item.se = item_standard_errors(problem.specs[i], em.state.items[i], layout.item_offsets[i], layout.slope,
                                       options.scaling, covariance.covariance);
      }
    }
  }
  {
    const detail::ParameterLayout layout = detail::parameter_layout(problem);
    if (layout.size > 0) {
      result.max_score = detail::marginal_score(problem, layout, em.state, em.estep, pool).cwiseAbs().maxCoeff();
    }
    double persons = 0.0;
    for (double f : problem.frequencies) persons += f;
    result.parameters = static_cast<int>(layout.size);
    result.persons = static_cast<std::size_t>(persons);
    result.aic = -2.0 * result.log_likelihood + 2.0 * result.parameters;
    result.bic = -2.0 * result.log_likelihood + result.parameters * std::log(persons);
  }
  if (options.model_fit) {
    const detail::ModelFitOutcome fit = detail::model_fit(problem, em.state);
    if (fit.ok) {
      result.model_fit = fit.fit;
    } else {
      result.model_fit_message = fit.message;
    }
  }
  if (options.fit_statistics) {
    const std::vector<ItemFit> fit = detail::item_fit(problem, em.state);
    for (std::size_t i = 0; i < problem.specs.size(); ++i) {
      if (!problem.specs[i].fixed) result.items[problem.columns[i]].fit = fit[i];
    }
  }
  return result;
}

std::vector<ParameterOutsideRange> parameters_outside(const CalibrationResult& result, const Interval& range) {
  range.validate();
  std::vector<ParameterOutsideRange> outside;
  for (const CalibratedItem& calibrated : result.items) {
    const bool estimated = calibrated.status == ItemCalibrationStatus::estimated ||
                           calibrated.status == ItemCalibrationStatus::at_bound;
    if (!estimated || !calibrated.item) continue;
    const Item& item = *calibrated.item;
    const auto check = [&](const std::string& name, double value) {
      if (value < range.lower || value > range.upper) outside.push_back({calibrated.id, name, value});
    };
    if (is_dichotomous(item.model())) {
      check("b", item.b());
    } else {
      for (std::size_t k = 0; k < item.thresholds().size(); ++k) {
        std::string name = "b";  // not "b" + to_string(...): GCC 12 then warns, wrongly, of overlapping memcpy
        name += std::to_string(k + 1);
        check(name, item.thresholds()[k]);
      }
    }
  }
  return outside;
}

namespace {

// Equal up to the rounding of a hand-written items CSV (three decimals, as the shipped banks print them).
bool same_parameters(const Item& x, const Item& y) {
  constexpr double kTolerance = 1e-3;
  const auto near = [](double u, double v) { return std::abs(u - v) <= kTolerance; };
  if (x.model() != y.model() || !near(x.a(), y.a()) || !near(x.c(), y.c()) || !near(x.d(), y.d())) return false;
  if (x.thresholds().size() != y.thresholds().size()) return false;
  for (std::size_t k = 0; k < x.thresholds().size(); ++k) {
    if (!near(x.thresholds()[k], y.thresholds()[k])) return false;
  }
  return true;
}

}  // namespace

void check_recalibration(const ItemBank& target, const std::string& bank, const ResponseTable& table,
                         const ItemBank* fixed, const std::string& fixed_file) {
  for (const std::string& id : table.item_ids) {
    const std::optional<ItemIndex> in_fixed = fixed ? fixed->find(ItemId(id)) : std::nullopt;
    const std::optional<ItemIndex> in_bank = target.find(ItemId(id));
    if (!in_fixed && !in_bank) {
      throw UnknownItem("check_recalibration: " + bank + " holds no item '" + id + "' (a column of " + table.file +
                        "); nothing was calibrated or stored");
    }
    if (in_fixed && in_bank && !same_parameters(fixed->item(*in_fixed), target.item(*in_bank))) {
      throw DataError(fixed_file, 0, id,
                      "the fixed item's parameters differ from those in " + bank +
                          ": the new items would not be on the bank's scale (hold the bank's own parameters fixed)");
    }
  }
}

}  // namespace irtcat
