// Copyright 2026 The Candor Authors.

#include "calibrate/score_fusion.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace candor::fusion {
namespace {

Status CheckShape(const std::vector<std::vector<double>>& scores, size_t n) {
  if (scores.empty()) return InvalidArgumentError("score fusion: no matchers");
  for (const auto& s : scores) {
    if (s.size() != n || n == 0) {
      return InvalidArgumentError("score fusion: every matcher needs one score per pair");
    }
  }
  return OkStatus();
}

bool AnyNan(const std::vector<std::vector<double>>& scores, size_t i) {
  for (const auto& s : scores)
    if (std::isnan(s[i])) return true;
  return false;
}

// Solves A x = b (n x n, row-major) by Gaussian elimination with partial pivoting.
bool Solve(std::vector<double> a, std::vector<double> b, int n, std::vector<double>* x) {
  for (int c = 0; c < n; ++c) {
    int p = c;
    for (int r = c + 1; r < n; ++r)
      if (std::abs(a[r * n + c]) > std::abs(a[p * n + c])) p = r;
    if (std::abs(a[p * n + c]) < 1e-300) return false;
    for (int k = 0; k < n; ++k) std::swap(a[c * n + k], a[p * n + k]);
    std::swap(b[c], b[p]);
    for (int r = c + 1; r < n; ++r) {
      const double f = a[r * n + c] / a[c * n + c];
      for (int k = c; k < n; ++k) a[r * n + k] -= f * a[c * n + k];
      b[r] -= f * b[c];
    }
  }
  x->assign(n, 0);
  for (int r = n - 1; r >= 0; --r) {
    double s = b[r];
    for (int k = r + 1; k < n; ++k) s -= a[r * n + k] * (*x)[k];
    (*x)[r] = s / a[r * n + r];
  }
  return true;
}

}  // namespace

StatusOr<std::vector<double>> ZScoreFusion(const std::vector<std::vector<double>>& scores) {
  const size_t n = scores.empty() ? 0 : scores[0].size();
  CANDOR_RETURN_IF_ERROR(CheckShape(scores, n));
  std::vector<double> fused(n, 0.0);
  for (const auto& s : scores) {
    double sum = 0, sq = 0;
    size_t k = 0;
    for (double v : s)
      if (!std::isnan(v)) sum += v, sq += v * v, ++k;
    if (k < 2) return InvalidArgumentError("score fusion: a matcher has fewer than two scores");
    const double mean = sum / k;
    const double sd = std::sqrt(std::max(1e-24, sq / k - mean * mean));
    for (size_t i = 0; i < n; ++i) fused[i] += (s[i] - mean) / sd;
  }
  return fused;
}

double LogisticModel::Apply(std::span<const double> x) const {
  double z = bias;
  for (size_t m = 0; m < weight.size() && m < x.size(); ++m) {
    if (std::isnan(x[m])) return std::nan("");
    z += weight[m] * (x[m] - mean[m]) / sd[m];
  }
  return z;
}

StatusOr<LogisticModel> FitLogistic(const std::vector<std::vector<double>>& scores,
                                    const std::vector<bool>& genuine, const std::vector<bool>& use,
                                    double l2) {
  const size_t n = genuine.size();
  CANDOR_RETURN_IF_ERROR(CheckShape(scores, n));
  if (use.size() != n) return InvalidArgumentError("score fusion: `use` needs one flag per pair");
  const int m = static_cast<int>(scores.size());
  std::vector<size_t> rows;
  size_t pos = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!use[i] || AnyNan(scores, i)) continue;
    rows.push_back(i);
    pos += genuine[i];
  }
  if (pos == 0 || pos == rows.size()) {
    return InvalidArgumentError("score fusion: the training pairs need both classes");
  }
  LogisticModel model;
  model.mean.assign(m, 0);
  model.sd.assign(m, 1);
  for (int k = 0; k < m; ++k) {
    double sum = 0, sq = 0;
    for (size_t i : rows) sum += scores[k][i], sq += scores[k][i] * scores[k][i];
    model.mean[k] = sum / rows.size();
    model.sd[k] = std::sqrt(std::max(1e-24, sq / rows.size() - model.mean[k] * model.mean[k]));
  }
  // Parameters theta = (weights..., bias); Newton steps on the penalised log-likelihood.
  const int d = m + 1;
  std::vector<double> theta(d, 0.0), x(d);
  for (int iter = 0; iter < 50; ++iter) {
    std::vector<double> grad(d, 0.0), hess(d * d, 0.0);
    for (size_t i : rows) {
      for (int k = 0; k < m; ++k) x[k] = (scores[k][i] - model.mean[k]) / model.sd[k];
      x[m] = 1;
      double z = 0;
      for (int k = 0; k < d; ++k) z += theta[k] * x[k];
      const double p = 1 / (1 + std::exp(-z));
      const double r = (genuine[i] ? 1.0 : 0.0) - p, w = std::max(1e-12, p * (1 - p));
      for (int a = 0; a < d; ++a) {
        grad[a] += r * x[a];
        for (int b = 0; b < d; ++b) hess[a * d + b] += w * x[a] * x[b];
      }
    }
    for (int k = 0; k < m; ++k) grad[k] -= l2 * rows.size() * theta[k], hess[k * d + k] += l2 * rows.size();
    std::vector<double> step;
    if (!Solve(hess, grad, d, &step)) return InternalError("score fusion: singular Hessian");
    double change = 0;
    for (int k = 0; k < d; ++k) theta[k] += step[k], change = std::max(change, std::abs(step[k]));
    if (change < 1e-10) break;
  }
  model.weight.assign(theta.begin(), theta.begin() + m);
  model.bias = theta[m];
  return model;
}

StatusOr<CrossValidatedFusion> CrossValidatedLogisticFusion(
    const std::vector<std::vector<double>>& scores, const std::vector<bool>& genuine,
    const std::vector<int>& fold, double l2) {
  const size_t n = genuine.size();
  CANDOR_RETURN_IF_ERROR(CheckShape(scores, n));
  if (fold.size() != n) return InvalidArgumentError("score fusion: `fold` needs one id per pair");
  const std::set<int> folds(fold.begin(), fold.end());
  if (folds.size() < 2) return InvalidArgumentError("score fusion: needs at least two folds");
  CrossValidatedFusion out;
  out.scores.assign(n, std::nan(""));
  std::vector<double> x(scores.size());
  double sum = 0, sq = 0, thr_sum = 0;
  for (int k : folds) {
    std::vector<bool> train(n);
    for (size_t i = 0; i < n; ++i) train[i] = fold[i] != k;
    CANDOR_ASSIGN_OR_RETURN(LogisticModel model, FitLogistic(scores, genuine, train, l2));
    std::vector<metrics::ScoredPair> train_pairs;
    metrics::FoldResult fr;
    fr.fold = k;
    std::vector<std::pair<double, bool>> test;
    for (size_t i = 0; i < n; ++i) {
      for (size_t m = 0; m < scores.size(); ++m) x[m] = scores[m][i];
      const double s = model.Apply(x);
      if (train[i]) {
        train_pairs.push_back({s, genuine[i], fold[i]});
      } else {
        out.scores[i] = s;
        test.emplace_back(s, genuine[i]);
        if (std::isnan(s)) ++out.kfold.failed_pairs;
      }
    }
    CANDOR_ASSIGN_OR_RETURN(fr.threshold, metrics::BestAccuracyThreshold(train_pairs));
    size_t correct = 0;
    for (const auto& [s, g] : test) correct += (!std::isnan(s) && s >= fr.threshold) == g;
    fr.pairs = test.size();
    fr.accuracy = test.empty() ? 0 : double(correct) / test.size();
    sum += fr.accuracy, sq += fr.accuracy * fr.accuracy, thr_sum += fr.threshold;
    out.kfold.folds.push_back(fr);
    out.fold_models.push_back(std::move(model));
  }
  const double f = folds.size();
  out.kfold.mean_accuracy = sum / f;
  out.kfold.std_accuracy = std::sqrt(std::max(0.0, (sq - f * out.kfold.mean_accuracy * out.kfold.mean_accuracy) / (f - 1)));
  out.kfold.standard_error = out.kfold.std_accuracy / std::sqrt(f);
  out.kfold.mean_threshold = thr_sum / f;
  return out;
}

}  // namespace candor::fusion
