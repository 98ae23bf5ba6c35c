// pybrms model API: a stanc-generated model as a shared library with a small C interface.
//
// Compiled once per toolchain (position-independent) and linked with each model's
// object into a shared library that Python loads with ctypes. Every function
// returns 0 on success. Failures return a non-zero code and leave their message
// for pybrms_last_error() on the calling thread:
//   > 0  the point is outside the support (Stan rejects it: std::domain_error,
//        non-finite log density or gradient); a sampler treats it as a divergence;
//   < 0  anything else (index errors, bad arguments): the run must stop; the
//        first such message is also kept for pybrms_model_error() (for callers
//        that evaluate on threads of their own, such as a sampler).
//
// pybrms_nutpie_logp and pybrms_nutpie_expand have the signatures of nutpie's
// raw callbacks (nutpie._lib.LogpFunc / ExpandFunc): size, pointers, user data.
// The log density functions may run on any thread at once; each thread gets an
// autodiff tape of its own.

#include <stan/io/chained_var_context.hpp>
#include <stan/io/empty_var_context.hpp>
#include <stan/io/json/json_data.hpp>
#include <stan/io/random_var_context.hpp>
#include <stan/math/prim/core/init_threadpool_tbb.hpp>
#include <stan/model/model_base.hpp>
#include <stan/services/util/create_rng.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

// Defined by the stanc-generated translation unit of each model.
stan::model::model_base& new_model(stan::io::var_context& data_context,
                                   unsigned int seed, std::ostream* msg_stream);

namespace {

constexpr int OUTSIDE_SUPPORT = 1;
constexpr int FATAL = -1;

thread_local std::string last_error;

}  // namespace

struct pybrms_model {
  stan::model::model_base* model;
  std::string names;  // the last param_names result, owned here for the caller
  std::mutex error_mutex;
  std::string error;  // the first fatal error, kept for the caller

  void set_error(const std::string& message) {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (error.empty()) error = message;
  }
};

namespace {

// Stan's autodiff tape is thread local; threads not started by Stan (a sampler's
// worker threads) need one before their first gradient.
void ensure_tape() {
#ifdef STAN_THREADS
  static thread_local stan::math::ChainableStack tape;
#endif
}

template <bool propto, bool jacobian>
double log_density_gradient(const stan::model::model_base& model, const double* theta,
                            double* grad) {
  using stan::math::var;
  const Eigen::Index dim = model.num_params_r();
  Eigen::Matrix<var, Eigen::Dynamic, 1> params(dim);
  for (Eigen::Index i = 0; i < dim; ++i) params.coeffRef(i) = theta[i];
  try {
    var lp = model.template log_prob<propto, jacobian>(params, nullptr);
    lp.grad();
    for (Eigen::Index i = 0; i < dim; ++i) grad[i] = params.coeff(i).adj();
    const double value = lp.val();
    stan::math::recover_memory();
    return value;
  } catch (...) {
    stan::math::recover_memory();
    throw;
  }
}

// Runs body and turns exceptions into codes (and a message for fatal ones).
template <class Body>
int guarded(pybrms_model* handle, Body&& body) {
  try {
    return body();
  } catch (const std::domain_error& e) {
    last_error = e.what();
    return OUTSIDE_SUPPORT;
  } catch (const std::exception& e) {
    last_error = e.what();
  } catch (...) {
    last_error = "unknown C++ exception";
  }
  handle->set_error(last_error);
  return FATAL;
}

bool all_finite(const double* values, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(values[i])) return false;
  return true;
}

}  // namespace

extern "C" {

// Builds the model from Stan JSON data text. On failure returns NULL and copies
// the message into error (at most error_size bytes, NUL-terminated).
pybrms_model* pybrms_model_new(const char* data_json, unsigned int seed, char* error,
                               size_t error_size) {
  try {
    std::istringstream stream(data_json);
    stan::json::json_data data(stream);
    std::stringstream messages;
    auto handle = std::make_unique<pybrms_model>();
    handle->model = &new_model(data, seed, &messages);
    return handle.release();
  } catch (const std::exception& e) {
    if (error_size > 0) {
      std::strncpy(error, e.what(), error_size - 1);
      error[error_size - 1] = '\0';
    }
    return nullptr;
  }
}

void pybrms_model_free(pybrms_model* handle) {
  if (handle == nullptr) return;
  delete handle->model;
  delete handle;
}

const char* pybrms_last_error() { return last_error.c_str(); }

const char* pybrms_model_error(pybrms_model* handle) {
  std::lock_guard<std::mutex> lock(handle->error_mutex);
  return handle->error.c_str();
}

// Sizes the TBB pool that reduce_sum draws from (threads within and across chains).
void pybrms_init_threads(int threads) { stan::math::init_threadpool_tbb(threads); }

int pybrms_num_unconstrained(pybrms_model* handle) {
  return static_cast<int>(handle->model->num_params_r());
}

int pybrms_num_constrained(pybrms_model* handle, int include_tp, int include_gq) {
  std::vector<std::string> names;
  handle->model->constrained_param_names(names, include_tp != 0, include_gq != 0);
  return static_cast<int>(names.size());
}

// Comma-separated Stan names of the constrained values (as in Stan CSV headers);
// the text stays valid until the next call on this model (not thread-safe).
const char* pybrms_param_names(pybrms_model* handle, int include_tp, int include_gq) {
  std::vector<std::string> names;
  handle->model->constrained_param_names(names, include_tp != 0, include_gq != 0);
  handle->names.clear();
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) handle->names += ',';
    handle->names += names[i];
  }
  return handle->names.c_str();
}

// Log density at theta (unconstrained), with or without constants (propto) and the
// Jacobian of the constraining transforms; writes the gradient into grad.
int pybrms_log_density_gradient(pybrms_model* handle, int propto, int jacobian,
                                const double* theta, double* lp, double* grad) {
  ensure_tape();
  return guarded(handle, [&] {
    const auto& model = *handle->model;
    if (propto)
      *lp = jacobian ? log_density_gradient<true, true>(model, theta, grad)
                     : log_density_gradient<true, false>(model, theta, grad);
    else
      *lp = jacobian ? log_density_gradient<false, true>(model, theta, grad)
                     : log_density_gradient<false, false>(model, theta, grad);
    if (std::isfinite(*lp) && all_finite(grad, handle->model->num_params_r())) return 0;
    last_error = "the log density or its gradient is not finite";
    return OUTSIDE_SUPPORT;
  });
}

// nutpie's LogpFunc: what Stan's NUTS targets (constants dropped, Jacobian kept).
int pybrms_nutpie_logp(size_t dim, const double* theta, double* grad, double* lp,
                       const void* user_data) {
  auto* handle = const_cast<pybrms_model*>(static_cast<const pybrms_model*>(user_data));
  if (dim != handle->model->num_params_r()) {
    handle->set_error("nutpie passed a point of the wrong size");
    return FATAL;
  }
  return pybrms_log_density_gradient(handle, 1, 1, theta, lp, grad);
}

// nutpie's ExpandFunc: keeps the unconstrained draw; constrain_draws maps it later,
// per chain, with the chain's own RNG.
int pybrms_nutpie_expand(size_t dim, size_t expanded, const double* theta, double* out,
                         const void* /* user_data */) {
  if (dim != expanded) return FATAL;
  std::memcpy(out, theta, dim * sizeof(double));
  return 0;
}

// Constrained values (parameters, transformed parameters if include_tp, generated
// quantities if include_gq) of n_draws unconstrained draws, row by row. The
// generated quantities use Stan's RNG for (seed, chain). A draw whose generated
// quantities fail is written as NaN and counted in *failed.
int pybrms_constrain_draws(pybrms_model* handle, int include_tp, int include_gq,
                           unsigned int seed, unsigned int chain, int n_draws,
                           const double* theta, double* out, int* failed) {
  return guarded(handle, [&] {
    const auto& model = *handle->model;
    const Eigen::Index dim = model.num_params_r();
    std::vector<std::string> names;
    model.constrained_param_names(names, include_tp != 0, include_gq != 0);
    const Eigen::Index width = names.size();
    stan::rng_t rng = stan::services::util::create_rng(seed, chain);
    Eigen::VectorXd params(dim);
    Eigen::VectorXd values(width);
    *failed = 0;
    for (int d = 0; d < n_draws; ++d) {
      params = Eigen::Map<const Eigen::VectorXd>(theta + d * dim, dim);
      Eigen::Map<Eigen::VectorXd> row(out + static_cast<Eigen::Index>(d) * width, width);
      try {
        model.write_array(rng, params, values, include_tp != 0, include_gq != 0, nullptr);
        row = values;
      } catch (const std::exception&) {
        row.setConstant(std::numeric_limits<double>::quiet_NaN());
        ++*failed;
      }
    }
    return 0;
  });
}

// An initial point as Stan draws it: values from init_json (Stan JSON text, may be
// empty) and uniform(-radius, radius) on the unconstrained scale for the rest.
int pybrms_initial_point(pybrms_model* handle, const char* init_json, double radius,
                         unsigned int seed, unsigned int chain, double* out) {
  return guarded(handle, [&] {
    const auto& model = *handle->model;
    stan::rng_t rng = stan::services::util::create_rng(seed, chain);
    std::istringstream stream(init_json);
    std::unique_ptr<stan::io::var_context> given;
    if (std::strlen(init_json) == 0)
      given = std::make_unique<stan::io::empty_var_context>();
    else
      given = std::make_unique<stan::json::json_data>(stream);
    stan::io::random_var_context random(model, rng, radius, radius == 0);
    stan::io::chained_var_context context(*given, random);
    Eigen::VectorXd params;
    model.transform_inits(context, params, nullptr);
    std::memcpy(out, params.data(), params.size() * sizeof(double));
    return 0;
  });
}

}  // extern "C"
