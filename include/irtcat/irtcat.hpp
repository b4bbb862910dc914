#pragma once
// irtcat: computerized adaptive testing with item response theory. Include this for the whole library.

#include "irtcat/ability.hpp"
#include "irtcat/bank_grid.hpp"
#include "irtcat/bank_json.hpp"
#include "irtcat/constraints.hpp"
#include "irtcat/error.hpp"
#include "irtcat/exposure.hpp"
#include "irtcat/grid_posterior.hpp"
#include "irtcat/item_bank.hpp"
#include "irtcat/items_csv.hpp"
#include "irtcat/model.hpp"
#include "irtcat/prior.hpp"
#include "irtcat/responses_csv.hpp"
#include "irtcat/selection.hpp"
#include "irtcat/session.hpp"
#include "irtcat/stopping.hpp"
#include "irtcat/sympson_hetter.hpp"
