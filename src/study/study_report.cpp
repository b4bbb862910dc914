#include "irtcat/study_report.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "detail/csv.hpp"

namespace irtcat {
namespace {

using detail::format_double;

std::string escaped(const std::string& text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string fixed(double value, int digits) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(digits);
  out << value;
  return out.str();
}

// ---- small SVG charts --------------------------------------------------------------------------------------

const char* const kColours[] = {"#1b6ca8", "#d1495b", "#66a182", "#edae49", "#8d5a97", "#2e4057", "#00798c"};

struct Series {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;
  bool dashed = false;
  int colour = 0;
};

struct Axes {
  double x_min, x_max, y_min, y_max;
  std::string x_label, y_label;
};

class Chart {
 public:
  explicit Chart(Axes axes) : axes_(std::move(axes)) {
    if (!(axes_.y_max > axes_.y_min)) axes_.y_max = axes_.y_min + 1;
    if (!(axes_.x_max > axes_.x_min)) axes_.x_max = axes_.x_min + 1;
  }
  double px(double x) const { return kLeft + (x - axes_.x_min) / (axes_.x_max - axes_.x_min) * kWidth; }
  double py(double y) const { return kTop + kHeight - (y - axes_.y_min) / (axes_.y_max - axes_.y_min) * kHeight; }

  void line(const Series& series) {
    std::string points;
    for (std::size_t i = 0; i < series.x.size(); ++i) {
      if (!std::isfinite(series.y[i])) continue;
      points += fixed(px(series.x[i]), 1) + "," + fixed(py(std::clamp(series.y[i], axes_.y_min, axes_.y_max)), 1) + " ";
    }
    body_ << "<polyline fill=\"none\" stroke=\"" << kColours[series.colour % 7] << "\" stroke-width=\"2\""
          << (series.dashed ? " stroke-dasharray=\"5,4\"" : "") << " points=\"" << points << "\"/>\n";
    legend(series.name, series.colour, series.dashed);
  }

  void bar(double x0, double x1, double y, int colour) {
    const double top = py(std::clamp(y, axes_.y_min, axes_.y_max));
    body_ << "<rect x=\"" << fixed(px(x0), 1) << "\" y=\"" << fixed(top, 1) << "\" width=\"" << fixed(std::max(px(x1) - px(x0), 1.0), 1)
          << "\" height=\"" << fixed(py(axes_.y_min) - top, 1) << "\" fill=\"" << kColours[colour % 7] << "\"/>\n";
  }

  void legend(const std::string& name, int colour, bool dashed = false) {
    if (name.empty()) return;
    const double y = kTop + 14.0 * static_cast<double>(legends_++);
    body_ << "<line x1=\"" << kLeft + kWidth + 12 << "\" x2=\"" << kLeft + kWidth + 32 << "\" y1=\"" << y << "\" y2=\"" << y
          << "\" stroke=\"" << kColours[colour % 7] << "\" stroke-width=\"3\"" << (dashed ? " stroke-dasharray=\"5,4\"" : "")
          << "/><text x=\"" << kLeft + kWidth + 36 << "\" y=\"" << y + 4 << "\">" << escaped(name) << "</text>\n";
  }

  std::string svg(const std::string& title) const {
    std::ostringstream out;
    out << "<figure><svg viewBox=\"0 0 " << kLeft + kWidth + 250 << " " << kTop + kHeight + 45
        << "\" role=\"img\" aria-label=\"" << escaped(title) << "\">\n";
    out << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << kWidth << "\" height=\"" << kHeight
        << "\" fill=\"#fafafa\" stroke=\"#999\"/>\n";
    for (int t = 0; t <= 4; ++t) {
      const double xv = axes_.x_min + (axes_.x_max - axes_.x_min) * t / 4;
      const double yv = axes_.y_min + (axes_.y_max - axes_.y_min) * t / 4;
      out << "<text x=\"" << fixed(px(xv), 1) << "\" y=\"" << kTop + kHeight + 16 << "\" text-anchor=\"middle\">"
          << fixed(xv, 2) << "</text>";
      out << "<text x=\"" << kLeft - 6 << "\" y=\"" << fixed(py(yv) + 4, 1) << "\" text-anchor=\"end\">" << fixed(yv, 2)
          << "</text>";
      out << "<line x1=\"" << kLeft << "\" x2=\"" << kLeft + kWidth << "\" y1=\"" << fixed(py(yv), 1) << "\" y2=\""
          << fixed(py(yv), 1) << "\" stroke=\"#e3e3e3\"/>\n";
    }
    out << "<text x=\"" << kLeft + kWidth / 2 << "\" y=\"" << kTop + kHeight + 36 << "\" text-anchor=\"middle\">"
        << escaped(axes_.x_label) << "</text>";
    out << "<text x=\"14\" y=\"" << kTop + kHeight / 2 << "\" transform=\"rotate(-90 14 " << kTop + kHeight / 2
        << ")\" text-anchor=\"middle\">" << escaped(axes_.y_label) << "</text>\n";
    out << body_.str() << "</svg><figcaption>" << escaped(title) << "</figcaption></figure>\n";
    return out.str();
  }

 private:
  static constexpr double kLeft = 60, kTop = 15, kWidth = 520, kHeight = 260;
  Axes axes_;
  std::ostringstream body_;
  int legends_ = 0;
};

double max_of(const std::vector<double>& values) {
  double best = 0.0;
  for (double v : values) {
    if (std::isfinite(v)) best = std::max(best, v);
  }
  return best;
}

std::string role_name(const StudyReport& report, std::size_t role) {
  return report.catalog ? report.catalog->roles[role].name : std::to_string(role);
}

}  // namespace

void write_candidates_csv(std::ostream& out, const StudyReport& report) {
  out << "id,population";
  for (const DomainDesign& design : report.designs) {
    for (const char* field : {"_theta_true", "_theta", "_se", "_length"}) out << ',' << design.domain << field;
    if (report.catalog) out << ',' << design.domain << "_score," << design.domain << "_level";
  }
  if (report.catalog) {
    for (const RoleProfile& role : report.catalog->roles) out << ",fit_" << role.name;
    out << ",best_role";
  }
  out << '\n';
  for (std::size_t c = 0; c < report.candidates.size(); ++c) {
    const SimulatedCandidate& candidate = report.candidates[c];
    const CandidateOutcome& outcome = report.outcomes[c];
    out << detail::csv_quoted(candidate.id) << ',' << detail::csv_quoted(candidate.population);
    for (std::size_t d = 0; d < report.designs.size(); ++d) {
      const DomainOutcome& domain = outcome.domains[d];
      out << ',' << format_double(candidate.theta(static_cast<Eigen::Index>(d))) << ',' << format_double(domain.estimate.theta)
          << ',' << format_double(domain.estimate.se) << ',' << domain.items.size();
      if (report.catalog) {
        out << ',' << format_double(report.catalog->scale.score(domain.estimate.theta)) << ','
            << report.catalog->levels[static_cast<std::size_t>(report.catalog->level_of(domain.estimate.theta))].name;
      }
    }
    if (report.catalog) {
      std::vector<double> probability(report.catalog->roles.size(), 0.0);
      for (const RoleFit& fit : outcome.fit) probability[fit.role] = fit.probability;
      for (double p : probability) out << ',' << format_double(p);
      out << ',' << (outcome.fit.empty() ? std::string() : role_name(report, outcome.fit.front().role));
    }
    out << '\n';
  }
}

void write_study_json(std::ostream& out, const StudyReport& report) {
  nlohmann::ordered_json document;
  document["format"] = "irtcat.study";
  document["version"] = 1;
  document["title"] = report.title;
  nlohmann::ordered_json settings = nlohmann::ordered_json::object();
  for (const auto& [key, value] : report.settings) settings[key] = value;
  document["settings"] = settings;
  document["candidates"] = report.candidates.size();
  document["domains"] = nlohmann::ordered_json::array();
  for (const DomainStatistics& stats : report.summary.domains) {
    nlohmann::ordered_json conditional = nlohmann::ordered_json::array();
    for (const ConditionalStatistics& bin : stats.conditional) {
      conditional.push_back({{"lower", bin.lower}, {"upper", bin.upper}, {"count", bin.count}, {"bias", bin.bias},
                             {"rmse", bin.rmse}, {"mean_se", bin.mean_se}});
    }
    document["domains"].push_back({{"domain", stats.domain},
                                   {"bias", stats.bias},
                                   {"rmse", stats.rmse},
                                   {"mean_se", stats.mean_se},
                                   {"mean_length", stats.mean_length},
                                   {"length_counts", stats.length_counts},
                                   {"conditional", conditional},
                                   {"max_exposure", stats.max_exposure},
                                   {"never_used", stats.never_used},
                                   {"over_20_percent", stats.over_20_percent},
                                   {"overlap", stats.overlap},
                                   {"level_accuracy", stats.level_accuracy},
                                   {"exposure_rates", stats.exposure_rates}});
  }
  if (report.catalog) {
    document["roles"] = {{"role_fit_accuracy", report.summary.role_fit_accuracy},
                         {"best_role_matches", report.summary.best_role_matches}};
  }
  out << document.dump(2) << '\n';
}

void write_study_html(std::ostream& out, const StudyReport& report) {
  const std::size_t domains = report.designs.size();
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" << escaped(report.title)
      << "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}"
         "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
         "th{background:#eee}td:first-child,th:first-child{text-align:left}svg{width:100%;max-width:860px;"
         "font-size:11px}figure{margin:1em 0}figcaption{font-weight:bold}</style></head><body>\n";
  out << "<h1>" << escaped(report.title) << "</h1>\n<p>" << report.candidates.size() << " simulated candidates, "
      << domains << " domain" << (domains == 1 ? "" : "s") << ".</p>\n<table>";
  for (const auto& [key, value] : report.settings) out << "<tr><th>" << escaped(key) << "</th><td>" << escaped(value) << "</td></tr>";
  out << "</table>\n<h2>Precision and exposure by domain</h2>\n<table><tr><th>domain</th><th>bias</th><th>RMSE</th>"
         "<th>mean SE</th><th>mean length</th><th>max exposure</th><th>never used</th><th>over 20 %</th>"
         "<th>overlap</th><th>level accuracy</th></tr>\n";
  for (const DomainStatistics& s : report.summary.domains) {
    out << "<tr><td>" << escaped(s.domain) << "</td><td>" << fixed(s.bias, 3) << "</td><td>" << fixed(s.rmse, 3)
        << "</td><td>" << fixed(s.mean_se, 3) << "</td><td>" << fixed(s.mean_length, 1) << "</td><td>"
        << fixed(s.max_exposure, 3) << "</td><td>" << fixed(s.never_used, 3) << "</td><td>" << fixed(s.over_20_percent, 3)
        << "</td><td>" << fixed(s.overlap, 3) << "</td><td>" << (report.catalog ? fixed(s.level_accuracy, 3) : "") << "</td></tr>\n";
  }
  out << "</table>\n";
  if (report.catalog) {
    out << "<p>Role fit (P(meets every level) &ge; 0.5 against the truth): accuracy "
        << fixed(report.summary.role_fit_accuracy, 3) << "; best role equals the population's role for "
        << fixed(100 * report.summary.best_role_matches, 1) << " % of candidates.</p>\n";
  }

  // Conditional RMSE (solid) and mean SE (dashed) by true θ.
  {
    double top = 0;
    for (const DomainStatistics& s : report.summary.domains) {
      for (const ConditionalStatistics& bin : s.conditional) top = std::max({top, bin.count ? bin.rmse : 0.0, bin.count ? bin.mean_se : 0.0});
    }
    Chart chart({-3, 3, 0, std::min(top, 3.0) * 1.1, "true theta", "RMSE (solid), mean SE (dashed)"});
    for (std::size_t d = 0; d < domains; ++d) {
      Series rmse{report.designs[d].domain, {}, {}, false, static_cast<int>(d)};
      Series se{"", {}, {}, true, static_cast<int>(d)};
      for (const ConditionalStatistics& bin : report.summary.domains[d].conditional) {
        if (bin.count == 0) continue;
        rmse.x.push_back((bin.lower + bin.upper) / 2);
        rmse.y.push_back(bin.rmse);
        se.x.push_back((bin.lower + bin.upper) / 2);
        se.y.push_back(bin.mean_se);
      }
      chart.line(rmse);
      chart.line(se);
    }
    out << "<h2>Conditional precision</h2>\n" << chart.svg("Conditional RMSE and SE by true theta");
  }
  // Test information functions of the banks.
  {
    std::vector<Series> curves;
    double top = 0;
    for (std::size_t d = 0; d < domains; ++d) {
      const ItemBank& bank = report.designs[d].design->bank();
      Series curve{report.designs[d].domain, {}, {}, false, static_cast<int>(d)};
      for (int q = 0; q <= 64; ++q) {
        const double theta = -4.0 + q * 0.125;
        curve.x.push_back(theta);
        curve.y.push_back(bank.information(theta).sum());
      }
      top = std::max(top, max_of(curve.y));
      curves.push_back(std::move(curve));
    }
    Chart chart({-4, 4, 0, top * 1.05, "theta", "bank information"});
    for (const Series& curve : curves) chart.line(curve);
    out << "<h2>Bank information</h2>\n" << chart.svg("Test information function of each bank (all items)");
  }
  // Exposure rates, sorted.
  {
    double top = 0;
    std::size_t most = 1;
    for (const DomainStatistics& s : report.summary.domains) {
      top = std::max(top, s.max_exposure);
      most = std::max(most, s.exposure_rates.size());
    }
    Chart chart({0, static_cast<double>(most), 0, std::max(top, 0.05) * 1.05, "items, most exposed first", "exposure rate"});
    for (std::size_t d = 0; d < domains; ++d) {
      std::vector<double> rates = report.summary.domains[d].exposure_rates;
      std::sort(rates.rbegin(), rates.rend());
      Series series{report.designs[d].domain, {}, rates, false, static_cast<int>(d)};
      for (std::size_t i = 0; i < rates.size(); ++i) series.x.push_back(static_cast<double>(i));
      chart.line(series);
    }
    out << "<h2>Exposure</h2>\n" << chart.svg("Item exposure rates");
  }
  // Test lengths.
  {
    std::size_t longest = 1;
    double top = 0;
    for (const DomainStatistics& s : report.summary.domains) {
      longest = std::max(longest, s.length_counts.size());
      for (int count : s.length_counts) top = std::max(top, static_cast<double>(count));
    }
    Chart chart({0, static_cast<double>(longest), 0, top * 1.05 + 1, "test length", "candidates"});
    const double width = 1.0 / static_cast<double>(std::max<std::size_t>(domains, 1));
    for (std::size_t d = 0; d < domains; ++d) {
      const auto& counts = report.summary.domains[d].length_counts;
      for (std::size_t length = 0; length < counts.size(); ++length) {
        if (counts[length] == 0) continue;
        const double x0 = static_cast<double>(length) + width * static_cast<double>(d);
        chart.bar(x0, x0 + width, counts[length], static_cast<int>(d));
      }
      chart.legend(report.designs[d].domain, static_cast<int>(d));
    }
    out << "<h2>Test length</h2>\n" << chart.svg("Test-length histogram");
  }
  // Role-fit profiles of the first few candidates.
  if (report.catalog && !report.outcomes.empty()) {
    out << "<h2>Role fit of the first candidates</h2>\n";
    const std::size_t shown = std::min<std::size_t>(4, report.outcomes.size());
    for (std::size_t c = 0; c < shown; ++c) {
      const auto& roles = report.catalog->roles;
      Chart chart({0, static_cast<double>(roles.size()), 0, 1, "roles (numbered as in the table below)", "P(meets the role)"});
      for (const RoleFit& fit : report.outcomes[c].fit) {
        chart.bar(static_cast<double>(fit.role) + 0.1, static_cast<double>(fit.role) + 0.9, fit.probability, static_cast<int>(fit.role));
      }
      for (std::size_t r = 0; r < roles.size(); ++r) chart.legend(std::to_string(r) + " " + roles[r].title, static_cast<int>(r));
      std::string caption = "Candidate " + report.candidates[c].id + " (drawn as " + report.candidates[c].population + ")";
      if (!report.outcomes[c].fit.empty()) caption += ": best fit " + roles[report.outcomes[c].fit.front().role].title;
      out << chart.svg(caption);
    }
  }
  out << "</body></html>\n";
}

}  // namespace irtcat
