// pybrms embedded driver: runs a stanc-generated model through stan::services.
//
// Compiled once per toolchain into an object file and linked with each model's
// object. Commands (all files are Stan JSON; outputs are Stan CSV or JSON lines):
//
//   exe info     DATA
//   exe sample   DATA CONFIG OUTPUT_PREFIX [INIT_PREFIX] [METRIC_PREFIX]
//   exe log_prob DATA POINTS
//
// CONFIG holds the sampler settings as Stan JSON numbers (see read_config). Chains
// are numbered first_chain, first_chain + 1, ... (the RNG stream and the file
// name follow the number, so one process per chain gives the same draws). Chain
// k writes OUTPUT_PREFIX-k.csv; per-chain inits and metrics are read from
// INIT_PREFIX-k.json and METRIC_PREFIX-k.json when those prefixes are given.
// Progress lines go to stdout as "chain K: <message>"; warnings and errors go
// to stderr. A non-zero exit code says what went wrong (see exit_code), and the
// last stderr line then says why: Stan's own message ("chain K failed: ..."),
// or the rejected data or argument. Numbers in JSON output may be NaN,
// Infinity or -Infinity, as Python's json module reads them.

#include <stan/callbacks/interrupt.hpp>
#include <stan/callbacks/logger.hpp>
#include <stan/callbacks/stream_writer.hpp>
#include <stan/callbacks/writer.hpp>
#include <stan/io/array_var_context.hpp>
#include <stan/io/empty_var_context.hpp>
#include <stan/io/json/json_data.hpp>
#include <stan/math/prim/core/init_threadpool_tbb.hpp>
#include <stan/model/log_prob_grad.hpp>
#include <stan/model/model_base.hpp>
#include <stan/services/sample/hmc_nuts_diag_e.hpp>
#include <stan/services/sample/hmc_nuts_diag_e_adapt.hpp>
#include <stan/services/util/create_unit_e_diag_inv_metric.hpp>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

// Defined by the stanc-generated translation unit of each model.
stan::model::model_base& new_model(stan::io::var_context& data_context,
                                   unsigned int seed, std::ostream* msg_stream);

namespace {

// Exit codes of the driver (pybrms/backends/embedded/model.py reads them).
enum exit_code { OK = 0, ARGUMENT_ERROR = 2, SAMPLER_FAILED = 3, DATA_ERROR = 4 };

std::mutex stdout_mutex;

// The last stderr line says why the driver failed, so it must be one line.
std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

// Prefixes every message with its chain so the Python side can track progress,
// and keeps the chain's latest warnings and errors: they say why it failed.
class chain_logger : public stan::callbacks::logger {
 public:
  explicit chain_logger(int chain) : chain_(chain) {}
  void info(const std::string& message) override { emit(std::cout, message); }
  void info(const std::stringstream& message) override { emit(std::cout, message.str()); }
  void warn(const std::string& message) override { emit(std::cerr, message, true); }
  void warn(const std::stringstream& message) override { warn(message.str()); }
  void error(const std::string& message) override { emit(std::cerr, message, true); }
  void error(const std::stringstream& message) override { error(message.str()); }
  void fatal(const std::string& message) override { emit(std::cerr, message, true); }
  void fatal(const std::stringstream& message) override { fatal(message.str()); }

  // The latest warnings and errors on one line, the last one (what failed) first:
  // "Initialization failed. Rejecting initial value: Log probability evaluates ...".
  std::string summary() const {
    if (recent_.empty()) return "the sampler stopped without a message";
    std::string text = recent_.back();
    for (size_t i = 0; i + 1 < recent_.size(); ++i) text += " " + recent_[i];
    return text;
  }

 private:
  static constexpr size_t kRecent = 6;  // a rejected init's reason and the final verdict

  void emit(std::ostream& stream, const std::string& message, bool remember = false) {
    if (message.empty()) return;
    if (remember) {
      const size_t first = message.find_first_not_of(" \n");
      const size_t last = message.find_last_not_of(" \n");
      if (first != std::string::npos) {
        if (recent_.size() == kRecent) recent_.pop_front();
        recent_.push_back(one_line(message.substr(first, last - first + 1)));
      }
    }
    std::lock_guard<std::mutex> lock(stdout_mutex);
    stream << "chain " << chain_ << ": " << message << std::endl;
  }
  int chain_;
  std::deque<std::string> recent_;
};

// JSON has no inf or nan; Python's json module reads these spellings.
std::string json_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  std::ostringstream text;
  text << std::setprecision(17) << value;
  return text.str();
}

struct sampler_config {
  int chains, first_chain, threads, seed, num_warmup, num_samples, num_thin, save_warmup, refresh;
  int max_depth, adapt_engaged;
  double adapt_delta, init_radius, stepsize_jitter;
  std::vector<double> stepsize;
};

std::unique_ptr<stan::io::var_context> read_json(const std::string& path) {
  std::ifstream stream(path);
  if (!stream) throw std::invalid_argument("cannot open " + path);
  return std::make_unique<stan::json::json_data>(stream);
}

int int_value(const stan::io::var_context& context, const std::string& name) {
  if (!context.contains_i(name)) throw std::invalid_argument("config lacks integer " + name);
  return context.vals_i(name)[0];
}

double real_value(const stan::io::var_context& context, const std::string& name) {
  if (!context.contains_r(name)) throw std::invalid_argument("config lacks number " + name);
  return context.vals_r(name)[0];
}

sampler_config read_config(const std::string& path) {
  auto context = read_json(path);
  sampler_config config;
  config.chains = int_value(*context, "chains");
  config.first_chain = int_value(*context, "first_chain");
  config.threads = int_value(*context, "threads");
  config.seed = int_value(*context, "seed");
  config.num_warmup = int_value(*context, "num_warmup");
  config.num_samples = int_value(*context, "num_samples");
  config.num_thin = int_value(*context, "num_thin");
  config.save_warmup = int_value(*context, "save_warmup");
  config.refresh = int_value(*context, "refresh");
  config.max_depth = int_value(*context, "max_depth");
  config.adapt_engaged = int_value(*context, "adapt_engaged");
  config.adapt_delta = real_value(*context, "adapt_delta");
  config.init_radius = real_value(*context, "init_radius");
  config.stepsize_jitter = real_value(*context, "stepsize_jitter");
  config.stepsize = context->vals_r("stepsize");
  if (static_cast<int>(config.stepsize.size()) != config.chains)
    throw std::invalid_argument("config stepsize needs one value per chain");
  return config;
}

std::unique_ptr<stan::io::var_context> optional_context(const std::string& prefix, int chain) {
  if (prefix.empty()) return std::make_unique<stan::io::empty_var_context>();
  return read_json(prefix + "-" + std::to_string(chain) + ".json");
}

int run_services(stan::model::model_base& model, const sampler_config& config, int chain,
                 const std::string& output_prefix, const std::string& init_prefix,
                 const std::string& metric_prefix, chain_logger& logger) {
  auto init = optional_context(init_prefix, chain);
  std::unique_ptr<stan::io::var_context> metric
      = metric_prefix.empty()
            ? std::unique_ptr<stan::io::var_context>(new stan::io::array_var_context(
                stan::services::util::create_unit_e_diag_inv_metric(model.num_params_r())))
            : read_json(metric_prefix + "-" + std::to_string(chain) + ".json");
  std::ofstream csv(output_prefix + "-" + std::to_string(chain) + ".csv");
  csv << "# pybrms embedded driver\n"
      << "# chain_id = " << chain << "\n"
      << "# seed = " << config.seed << "\n"
      << "# threads_per_chain = " << config.threads << "\n"
      << "# num_warmup = " << config.num_warmup << "\n"
      << "# num_samples = " << config.num_samples << "\n"
      << "# thin = " << config.num_thin << "\n"
      << "# adapt_engaged = " << config.adapt_engaged << "\n"
      << "# delta = " << config.adapt_delta << "\n"
      << "# max_depth = " << config.max_depth << "\n";
  csv << std::setprecision(9);
  stan::callbacks::stream_writer sample_writer(csv, "# ");
  stan::callbacks::writer init_writer;
  stan::callbacks::writer diagnostic_writer;
  stan::callbacks::interrupt interrupt;
  const double stepsize = config.stepsize[chain - config.first_chain];
  if (config.adapt_engaged) {
    return stan::services::sample::hmc_nuts_diag_e_adapt(
        model, *init, *metric, config.seed, chain, config.init_radius, config.num_warmup,
        config.num_samples, config.num_thin, config.save_warmup, config.refresh, stepsize,
        config.stepsize_jitter, config.max_depth, config.adapt_delta, 0.05, 0.75, 10, 75, 50,
        25, interrupt, logger, init_writer, sample_writer, diagnostic_writer);
  }
  return stan::services::sample::hmc_nuts_diag_e(
      model, *init, *metric, config.seed, chain, config.init_radius, config.num_warmup,
      config.num_samples, config.num_thin, config.save_warmup, config.refresh, stepsize,
      config.stepsize_jitter, config.max_depth, interrupt, logger, init_writer, sample_writer,
      diagnostic_writer);
}

// Runs one chain; returns "" on success, otherwise why it failed.
std::string run_chain(stan::model::model_base& model, const sampler_config& config, int chain,
                      const std::string& output_prefix, const std::string& init_prefix,
                      const std::string& metric_prefix) {
  chain_logger logger(chain);
  try {
    const int code = run_services(model, config, chain, output_prefix, init_prefix,
                                  metric_prefix, logger);
    if (code == 0) return "";
  } catch (const std::exception& e) {
    logger.error(e.what());
  }
  return logger.summary();
}

int command_sample(stan::model::model_base& model, const std::vector<std::string>& args) {
  if (args.size() < 5) throw std::invalid_argument("sample needs DATA CONFIG OUTPUT_PREFIX");
  const sampler_config config = read_config(args[3]);
  const std::string init_prefix = args.size() > 5 ? args[5] : "";
  const std::string metric_prefix = args.size() > 6 ? args[6] : "";
  stan::math::init_threadpool_tbb(config.chains * config.threads);
  std::vector<std::string> failures(config.chains);
  if (config.chains == 1) {  // on the main thread, as CmdStan runs a single chain
    failures[0] = run_chain(model, config, config.first_chain, args[4], init_prefix,
                            metric_prefix);
  } else {
    // One task per chain on the shared pool; reduce_sum inside a chain draws
    // from the same pool, as CmdStan does with --num_chains.
    tbb::parallel_for(tbb::blocked_range<int>(0, config.chains, 1),
                      [&](const tbb::blocked_range<int>& range) {
                        for (int i = range.begin(); i != range.end(); ++i)
                          failures[i] = run_chain(model, config, config.first_chain + i,
                                                  args[4], init_prefix, metric_prefix);
                      });
  }
  int code = OK;
  for (int i = 0; i < config.chains; ++i) {
    if (failures[i].empty()) continue;
    std::cerr << "chain " << config.first_chain + i << " failed: " << failures[i] << std::endl;
    code = SAMPLER_FAILED;
  }
  return code;
}

int command_info(stan::model::model_base& model) {
  std::vector<std::string> names;
  model.unconstrained_param_names(names, false, false);
  std::cout << "{\"num_params_r\": " << model.num_params_r() << ", \"unconstrained_names\": [";
  for (size_t i = 0; i < names.size(); ++i) std::cout << (i ? ", " : "") << '"' << names[i] << '"';
  std::cout << "]}" << std::endl;
  return 0;
}

// POINTS is Stan JSON with "jacobian" (0/1), "n", "dim" and "points"
// (n * dim numbers, point by point). One JSON line per point is printed.
int command_log_prob(stan::model::model_base& model, const std::vector<std::string>& args) {
  if (args.size() < 4) throw std::invalid_argument("log_prob needs DATA POINTS");
  auto points = read_json(args[3]);
  const int n = int_value(*points, "n");
  const int dim = int_value(*points, "dim");
  const bool jacobian = int_value(*points, "jacobian") != 0;
  const std::vector<double> flat = points->vals_r("points");
  if (dim != static_cast<int>(model.num_params_r()))
    throw std::invalid_argument("points have " + std::to_string(dim)
                                + " coordinates; the model has "
                                + std::to_string(model.num_params_r())
                                + " unconstrained parameters");
  std::vector<int> params_i;
  for (int k = 0; k < n; ++k) {
    std::vector<double> params(flat.begin() + k * dim, flat.begin() + (k + 1) * dim);
    std::vector<double> gradient;
    const double lp
        = jacobian ? stan::model::log_prob_grad<false, true>(model, params, params_i, gradient)
                   : stan::model::log_prob_grad<false, false>(model, params, params_i, gradient);
    std::cout << "{\"lp\": " << json_number(lp) << ", \"grad\": [";
    for (int j = 0; j < dim; ++j) std::cout << (j ? ", " : "") << json_number(gradient[j]);
    std::cout << "]}\n";
  }
  std::cout.flush();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  if (args.size() < 3) {
    std::cerr << "usage: " << args[0] << " info|sample|log_prob DATA ..." << std::endl;
    return ARGUMENT_ERROR;
  }
  stan::model::model_base* model = nullptr;
  try {
    auto data = read_json(args[2]);
    std::stringstream messages;
    model = &new_model(*data, 0, &messages);
    if (!messages.str().empty()) std::cerr << messages.str();
  } catch (const std::exception& e) {
    std::cerr << one_line(e.what()) << std::endl;
    return DATA_ERROR;
  }
  try {
    if (args[1] == "info") return command_info(*model);
    if (args[1] == "sample") return command_sample(*model, args);
    if (args[1] == "log_prob") return command_log_prob(*model, args);
    std::cerr << "unknown command " << args[1] << std::endl;
    return ARGUMENT_ERROR;
  } catch (const std::invalid_argument& e) {
    std::cerr << one_line(e.what()) << std::endl;
    return ARGUMENT_ERROR;
  } catch (const std::exception& e) {
    std::cerr << one_line(e.what()) << std::endl;
    return SAMPLER_FAILED;
  }
}
