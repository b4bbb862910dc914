#pragma once
// The small items and responses files the command tests share: a 3PL, a 2PL and a 4PL item, and three persons
// (one with two answers missing).

#include <string>

namespace irtcat::testing {

inline const std::string kItems =
    "id,model,a,b,c,d\nx1,3pl,1.2,-0.5,0.2,\nx2,2pl,0.9,0.4,,\nx3,4pl,1.5,1.0,0.1,0.95\n";
inline const std::string kResponses = "person_id,x1,x2,x3\np1,1,0,1\np2,1,1,1\np3,,0,\n";

}  // namespace irtcat::testing
