#pragma once
// The n-point Gauss–Hermite rule for the weight exp(−z²/2), the weights scaled to sum to 1 (the rule is the
// expectation under N(0, 1)): Golub & Welsch (1969). The nodes are the eigenvalues of the Jacobi matrix of the
// probabilists' Hermite recurrence z·He_k = He_{k+1} + k·He_{k−1} (zero diagonal, √k beside it), and each weight is
// the squared first component of its normalized eigenvector. Exact for a polynomial of degree up to 2n − 1. Used by
// joint_eap (multidimensional.cpp) and estimate_latent (latent.cpp) for adaptive quadrature around a MAP.

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <cmath>

namespace irtcat::detail {

struct GaussHermiteRule {
  Eigen::VectorXd nodes;
  Eigen::VectorXd weights;
};

/// Precondition: points >= 1.
inline GaussHermiteRule gauss_hermite(int points) {
  const Eigen::VectorXd diagonal = Eigen::VectorXd::Zero(points);
  Eigen::VectorXd beside(points - 1);
  for (int k = 1; k < points; ++k) beside(k - 1) = std::sqrt(static_cast<double>(k));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> jacobi;
  jacobi.computeFromTridiagonal(diagonal, beside, Eigen::ComputeEigenvectors);
  return {jacobi.eigenvalues(), jacobi.eigenvectors().row(0).transpose().array().square().matrix()};
}

}  // namespace irtcat::detail
