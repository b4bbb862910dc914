#pragma once
// A calibration's items as an items CSV (docs/conventions.md) with standard-error and fit columns:
// id,model,a,b,c,d,b1..bK,se_a,se_b,se_c,se_d,se_b1..se_bK,sx2,sx2_df,sx2_p,infit,outfit,responses,status. Numbers in
// their shortest exact form, so that R and Python read back the same doubles.

#include <iosfwd>

#include "irtcat/calibration.hpp"

namespace irtcat {

/// Writes every estimable item of `result` (inestimable items have no parameters and no row).
void write_calibration_csv(std::ostream& out, const CalibrationResult& result);

}  // namespace irtcat
